"""Who may do what inside a school: the roles every feature checks.

Roles, from the platform down (see docs/architecture.md §1):
- operator: a public-schema staff user; never authenticated on a school's host at all;
- school admin: a superuser of the school's schema (the alumni office), full control of that school;
- back-office user: anyone with Wagtail admin access (editors, later chapter admins);
- alumnus: any other authenticated user of the school;
- anonymous.
Chapter admins (scoped to an organization subtree) and merchant staff are added by the network
and cards features on top of these helpers.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def is_school_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def has_back_office(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm("wagtailadmin.access_admin")
    )


def is_alumnus(user) -> bool:
    """Any active account of the school (admins are alumni too, as far as alumni features go)."""
    return bool(user and user.is_authenticated and user.is_active)


def school_admin_required(view):
    """View decorator: 403 unless the request's user administers this school."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_school_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


class IsSchoolAdmin(BasePermission):
    message = "需要本校管理员权限"

    def has_permission(self, request, view) -> bool:
        return is_school_admin(request.user)


class IsBackOfficeUser(BasePermission):
    message = "需要后台权限"

    def has_permission(self, request, view) -> bool:
        return has_back_office(request.user)
