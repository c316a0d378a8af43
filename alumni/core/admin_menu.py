"""Back-office menu items that only a school's admins see (is_school_admin)."""

from __future__ import annotations

from wagtail.admin.menu import MenuItem, SubmenuMenuItem

from alumni.core.permissions import is_school_admin


class SchoolAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return is_school_admin(request.user)


class SchoolAdminSubmenuMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return is_school_admin(request.user)
