"""Background work of the people app; every task runs in the school its message names."""

from __future__ import annotations

from celery import shared_task
from tenant_schemas_celery.task import TenantTask

from alumni.people.search import reindex_all, reindex_persons

# --- Search index (alumni.people.search) -------------------------------------------------
# Each task runs in the school named by its message header (TenantTask), i.e. the school whose
# records changed; the index it writes is that school's.


@shared_task(base=TenantTask, name="alumni.people.tasks.search_reindex_persons", ignore_result=True)
def search_reindex_persons(person_ids: list[int]) -> int:
    """Refresh these persons in the current school's search index."""
    reindex_persons(person_ids)
    return len(person_ids)


@shared_task(base=TenantTask, name="alumni.people.tasks.search_reindex_all", ignore_result=True)
def search_reindex_all() -> int:
    """Rebuild the current school's search index."""
    return reindex_all()


# --- Spreadsheet import (alumni.people.services.imports) ---------------------------------
# Sent by import_confirm after commit, in the school the job belongs to; eager without a broker.


@shared_task(base=TenantTask, name="people.import_job_run", ignore_result=True)
def import_job_run(*, job_id: int) -> dict:
    """Run a confirmed import job of the current school (progress and result land on the job)."""
    from alumni.people.services.imports import import_run

    return import_run(job_id=job_id)
