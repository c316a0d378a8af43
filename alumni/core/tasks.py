"""Background work shared by every feature."""

from __future__ import annotations

from celery import shared_task
from tenant_schemas_celery.task import TenantTask

from alumni.core.services import audit_record


@shared_task(base=TenantTask)
def audit_record_system(*, action: str, summary: str = "", after: dict | None = None) -> int:
    """Record a system (no person) entry in the audit log of the school the task runs in."""
    # Periodic jobs and imports say what they did here, so admins see it in the dashboard's log.
    return audit_record(actor=None, action=action, summary=summary, after=after).pk
