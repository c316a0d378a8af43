"""Reads shared by every feature: the audit log and the dashboard's numbers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from alumni.core.models import AuditEntry


def audit_recent(*, limit: int = 10) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")[:limit]


def audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")


def audit_actions_used() -> list[str]:
    return list(AuditEntry.objects.order_by().values_list("action", flat=True).distinct())


def audit_actors() -> QuerySet:
    """Users who appear in the audit log, for the actor filter."""
    actor_ids = AuditEntry.objects.filter(actor__isnull=False).values("actor_id")
    return get_user_model().objects.filter(pk__in=actor_ids).order_by("name", "username")


def _admin_access() -> Q:
    """Who counts as an administrator: staff, superusers, or anyone allowed into the Wagtail admin."""
    via_group = Q(
        groups__permissions__codename="access_admin",
        groups__permissions__content_type__app_label="wagtailadmin",
    )
    direct = Q(
        user_permissions__codename="access_admin",
        user_permissions__content_type__app_label="wagtailadmin",
    )
    return Q(is_staff=True) | Q(is_superuser=True) | via_group | direct


def user_counts() -> dict[str, int]:
    """Active alumni accounts and active administrators of the current school."""
    users = get_user_model().objects.filter(is_active=True)
    admin_ids = users.filter(_admin_access()).values("pk")
    return {
        "admins": users.filter(pk__in=admin_ids).count(),
        "alumni": users.exclude(pk__in=admin_ids).count(),
    }


def content_counts() -> dict[str, int]:
    """Pages (without Wagtail's invisible tree root), images and documents."""
    return {
        "pages": Page.objects.filter(depth__gt=1).count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
    }
