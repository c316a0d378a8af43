"""Writes shared by every feature: the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from alumni.core.models import AuditEntry
from tenants.services import PROFILE_FIELDS, school_profile_update


def _actor_label(actor) -> str:
    if actor is None:
        return "系统"
    return getattr(actor, "name", "") or actor.get_username()


def audit_record(
    *,
    actor,
    action: str,
    target: Any = None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Record one admin write in the school's audit log."""
    with transaction.atomic():
        return AuditEntry.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_actor_label(actor),
            action=action,
            summary=summary[:255],
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            object_repr=str(target)[:200] if target is not None else "",
            before=before,
            after=after,
            ip_address=ip_address,
        )


def school_profile_save(*, school, actor, logo=None, clear_logo: bool = False, **changes):
    """Save the school's profile from its back office, in the platform log and the school's audit log."""
    before = {name: getattr(school, name) for name in PROFILE_FIELDS} | {"logo": school.logo.name}
    with transaction.atomic():
        school = school_profile_update(
            school=school, actor=actor, logo=logo, clear_logo=clear_logo, **changes
        )
        after = {name: getattr(school, name) for name in PROFILE_FIELDS} | {"logo": school.logo.name}
        audit_record(
            actor=actor,
            action="school.profile_update",
            target=school,
            summary="修改学校信息",
            before=before,
            after=after,
        )
    return school
