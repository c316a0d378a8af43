"""Sending tasks the tenant-safe way: after commit, in the right schema, fanned out with jitter.

Every task is a tenant-schemas-celery ``TenantTask``: the ``_schema_name`` message header says
which school it runs in. Code inside a request or a service uses ``send_after_commit`` (the
worker must see the rows the transaction wrote, and nothing is sent if it rolls back); periodic
jobs use ``for_each_school`` (beat runs in the public schema).
"""

from __future__ import annotations

import logging
import random

from celery import current_app, shared_task
from celery.app.task import Task
from django.conf import settings
from django.db import connection, transaction
from tenant_schemas_celery.task import TenantTask

from tenants.models import School

logger = logging.getLogger(__name__)

SCHEMA_HEADER = "_schema_name"


def _task(task: Task | str) -> Task:
    # Looking the name up (instead of send_task) keeps eager mode working: send_task never runs
    # eagerly. An unknown name raises NotRegistered rather than queueing a message nobody reads.
    if not isinstance(task, str):
        return task
    if task not in current_app.tasks:
        # Outside a worker the apps' tasks modules are imported on demand (autodiscovery).
        current_app.loader.import_default_modules()
    return current_app.tasks[task]


def send_after_commit(task: Task | str, *args, **kwargs) -> None:
    """Send ``task(*args, **kwargs)`` when the current transaction commits, in the current schema."""
    # The schema is read now: by commit time the connection may have left the school (the
    # provisioning service returns to the public schema before its transaction ends).
    schema = connection.schema_name
    task = _task(task)
    transaction.on_commit(lambda: task.apply_async(args, kwargs, headers={SCHEMA_HEADER: schema}))


def schools_ready():
    """Schools that receive background work: provisioned, active, not suspended."""
    return School.objects.filter(is_ready=True, status=School.Status.ACTIVE).order_by("pk")


@shared_task(base=TenantTask, name="tenants.for_each_school", ignore_result=True)
def for_each_school(task_name: str, *args, **kwargs) -> int:
    """Send the named task once per ready school, in its schema, spread over the jitter window."""
    task = _task(task_name)
    jitter = max(0, int(settings.CELERY_FAN_OUT_JITTER_SECONDS))
    schemas = list(schools_ready().values_list("schema_name", flat=True))
    for schema in schemas:
        # Jitter keeps 1,000 schools from hitting the database (and SMS gateways) in the same second.
        countdown = random.uniform(0, jitter) if jitter else 0
        task.apply_async(args, kwargs, countdown=countdown, headers={SCHEMA_HEADER: schema})
    logger.info("Fanned %s out to %d school(s)", task_name, len(schemas))
    return len(schemas)
