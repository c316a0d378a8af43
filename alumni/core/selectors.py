"""Reads shared by every feature."""

from __future__ import annotations

from django.db.models import QuerySet

from alumni.core.models import AuditEntry


def audit_recent(*, limit: int = 10) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-created_at", "-id")[:limit]
