"""Events tasks: each carries its school's schema (TenantTask) and calls a service.

Several areas add their tasks here, each in its own section below.
"""

from __future__ import annotations

from celery import shared_task
from tenant_schemas_celery.task import TenantTask

from alumni.events.services.registrations import registrations_release_unpaid

# --- registration (alumni.events.services.registrations) -----------------------------------------


@shared_task(base=TenantTask, name="events.release_unpaid", ignore_result=True)
def release_unpaid() -> int:
    """Every 5 minutes in every school: cancel registrations whose payment expired unpaid."""
    return registrations_release_unpaid()
