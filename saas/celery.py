"""The Celery app: every task carries the schema it was sent from.

tenant-schemas-celery's ``CeleryApp`` puts the sender's schema in each message's
``_schema_name`` header (``TenantTask``); the worker switches to that school before the task
runs and back afterwards. Configuration comes from Django settings (``CELERY_*``): without
``REDIS_URL`` tasks run eagerly in the caller's process, with it a worker runs them
(``make worker``).

Periodic jobs: beat runs in the public schema, so a job that concerns every school is an entry
that calls the fan-out task, which sends the real task once per ready school with jitter::

    BEAT_SCHEDULE["messaging-birthdays"] = {
        "task": "tenants.for_each_school",
        "schedule": crontab(hour=8, minute=0),
        "args": ["alumni.messaging.tasks.birthday_greetings_send"],
    }

The schedule below holds only real entries; features add theirs when they ship.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from tenant_schemas_celery.app import CeleryApp


def _started_by_celery_cli() -> bool:
    program = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path()
    return "celery" in (program.name, program.parent.name)  # bin/celery or python -m celery


# `celery -A saas worker` defaults to the dev settings like manage.py. Only there: this module is
# imported by every process through saas/__init__.py, and wsgi.py/asgi.py default to prod.
# The setting must be known before the app is built so that Celery's Django fix-up installs.
if _started_by_celery_cli():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings.dev")

app = CeleryApp("saas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(lambda: settings.INSTALLED_APPS)

BEAT_SCHEDULE: dict[str, dict] = {}
# E-mail campaigns: start scheduled ones, resume ones whose worker died (alumni.messaging).
BEAT_SCHEDULE["messaging-email-campaigns"] = {
    "task": "tenants.for_each_school",
    "schedule": 60.0,
    "args": ["alumni.messaging.tasks.email_campaigns_tick"],
}
# SMS: birthday greetings hourly (each school sends once its chosen time of day has come) and
# scheduled / interrupted SMS campaigns every 5 minutes (alumni.messaging).
from celery.schedules import crontab  # noqa: E402

BEAT_SCHEDULE["messaging.birthdays_fan_out"] = {
    "task": "messaging.birthdays_fan_out",
    "schedule": crontab(minute=0),
}
BEAT_SCHEDULE["messaging-sms-campaigns"] = {
    "task": "tenants.for_each_school",
    "schedule": 300.0,
    "args": ["messaging.sms_campaigns_due"],
}
# Payments: look up orders whose notify never came, close expired ones (billing.payments).
BEAT_SCHEDULE["payments-sweep"] = {
    "task": "tenants.for_each_school",
    "schedule": 120.0,
    "args": ["payments.sweep"],
}
# School plans: trials and unpaid periods that ended enter grace; grace that ended suspends the
# school (billing.subscriptions, public schema, once a day).
BEAT_SCHEDULE["subscriptions-enforce"] = {
    "task": "subscriptions.enforce",
    "schedule": crontab(hour=3, minute=30),
}
# Events: registrations whose payment expired unpaid give their places back (alumni.events).
BEAT_SCHEDULE["events-release-unpaid"] = {
    "task": "tenants.for_each_school",
    "schedule": 300.0,
    "args": ["events.release_unpaid"],
}
app.conf.beat_schedule = BEAT_SCHEDULE
