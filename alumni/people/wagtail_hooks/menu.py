"""The 校友档案 menu: a submenu built from the ``register_people_menu_item`` hook.

Every part of the people back office (list, claims, duplicates, statistics, catalogs, and the
import wizard of ``imports.py``) registers its own item with::

    @hooks.register("register_people_menu_item")
    def register_import_menu_item():
        return PeopleMenuItem(_("导入"), reverse("people_import:index"), icon_name="upload",
                              order=150, permission="people.add_person")

Items are shown only to users holding their ``permission`` (school admins hold them all); the
submenu itself disappears when none of its items is shown.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

MENU_HOOK = "register_people_menu_item"


class PeopleMenuItem(MenuItem):
    """A menu item shown to users with ``permission`` (any of them when a tuple is given)."""

    def __init__(self, label, url, *, permission: str | tuple[str, ...] = "", **kwargs):
        self.permission = (permission,) if isinstance(permission, str) else tuple(permission)
        super().__init__(label, url, **kwargs)

    def is_shown(self, request):
        return not self.permission or any(request.user.has_perm(p) for p in self.permission)


people_menu = Menu(register_hook_name=MENU_HOOK, construct_hook_name="construct_people_menu")


@hooks.register("register_admin_menu_item")
def register_people_menu():
    return SubmenuMenuItem(_("校友档案"), people_menu, icon_name="group", name="people", order=150)
