"""Messaging tasks: each carries its school's schema (TenantTask) and calls a service.

Several areas add their tasks here, each in its own section below.
"""

from __future__ import annotations

# --- e-mail campaigns (alumni.messaging.services.campaigns) ---------------------------------
from celery import shared_task as _campaign_shared_task
from tenant_schemas_celery.task import TenantTask as _CampaignTenantTask

CAMPAIGN_TIME_SLICE = 50.0  # seconds of sending per task run; then it continues as a new task


@_campaign_shared_task(
    base=_CampaignTenantTask, name="alumni.messaging.tasks.email_campaign_send", ignore_result=True
)
def email_campaign_send(campaign_id: int) -> None:
    """Send a campaign's batches for a while, then continue as a fresh task (throttle = countdown)."""
    from django.conf import settings
    from django.db import connection

    from alumni.messaging.services.campaigns import campaign_run
    from tenants.tasks import SCHEMA_HEADER

    eager = settings.CELERY_TASK_ALWAYS_EAGER
    delay = campaign_run(campaign_id=campaign_id, time_slice=float("inf") if eager else CAMPAIGN_TIME_SLICE)
    if delay is not None:
        email_campaign_send.apply_async(
            (campaign_id,), countdown=delay, headers={SCHEMA_HEADER: connection.schema_name}
        )


@_campaign_shared_task(
    base=_CampaignTenantTask, name="alumni.messaging.tasks.email_campaigns_tick", ignore_result=True
)
def email_campaigns_tick(stale_seconds: int | None = None) -> None:
    """Every minute in every school: start scheduled campaigns, resume those whose worker died."""
    from alumni.messaging.services.campaigns import STALE_SECONDS, campaigns_start_due

    campaigns_start_due(stale_seconds=STALE_SECONDS if stale_seconds is None else stale_seconds)


# --- SMS campaigns and birthday greetings (services.sms_campaigns, services.birthdays) ------
# Beat (saas/celery.py) runs ``messaging.birthdays_fan_out`` every hour on the hour; each school's
# ``messaging.birthdays_send`` greets today's birthdays once that school's chosen time of day has
# come (so a school choosing 09:00 is greeted by the 09:00 run, plus the fan-out jitter, and a
# missed run is caught up by the next one the same day). ``messaging.sms_campaigns_due`` (every
# 5 minutes per school) starts scheduled campaigns and resumes any whose worker died.

from celery import shared_task as _sms_shared_task  # noqa: E402
from tenant_schemas_celery.task import TenantTask as _SmsTenantTask  # noqa: E402


@_sms_shared_task(
    base=_SmsTenantTask,
    name="messaging.sms_campaign_run",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
)
def sms_campaign_run(campaign_id: int) -> None:
    """Send one SMS campaign (restartable: recipients already sent are never sent again)."""
    from alumni.messaging.services.sms_campaigns import sms_campaign_run as run

    run(campaign_id=campaign_id)


@_sms_shared_task(base=_SmsTenantTask, name="messaging.sms_campaigns_due", ignore_result=True)
def sms_campaigns_due() -> int:
    """Start this school's scheduled SMS campaigns that are due; resume interrupted ones."""
    from alumni.messaging.services.sms_campaigns import sms_campaigns_resume

    return sms_campaigns_resume()


@_sms_shared_task(base=_SmsTenantTask, name="messaging.birthdays_send", ignore_result=True)
def birthdays_send() -> int:
    """Greet this school's birthdays of today if its greeting time has come."""
    from alumni.messaging.services.birthdays import birthdays_send as send

    return send()


@_sms_shared_task(name="messaging.birthdays_fan_out", ignore_result=True)
def birthdays_fan_out() -> int:
    """Beat entry (public schema): one ``messaging.birthdays_send`` per ready school, with jitter."""
    from tenants.tasks import for_each_school

    return for_each_school("messaging.birthdays_send")


# --- one message over one channel (services.send) --------------------------------------------
# message_send(deliver="async") queues one ``messaging.deliver`` per log after commit. A
# temporary failure (network, provider busy) leaves the log queued and the task retries with
# growing delays; message_deliver marks it failed after MAX_ATTEMPTS.

from celery import shared_task as _send_shared_task  # noqa: E402
from tenant_schemas_celery.task import TenantTask as _SendTenantTask  # noqa: E402

DELIVER_RETRY_DELAYS = (30, 120, 600)  # seconds before the 2nd, 3rd, … attempt


@_send_shared_task(
    bind=True, base=_SendTenantTask, name="messaging.deliver", ignore_result=True, max_retries=5
)
def message_deliver_task(self, log_id: int) -> str:
    """Deliver one queued log; retry later while it stays queued after a temporary failure."""
    from alumni.messaging.models import MessageLog
    from alumni.messaging.services.send import MAX_ATTEMPTS, message_deliver

    log = message_deliver(log_id=log_id)
    if log.status == MessageLog.Status.QUEUED and 0 < log.attempts < MAX_ATTEMPTS:
        delay = DELIVER_RETRY_DELAYS[min(log.attempts, len(DELIVER_RETRY_DELAYS)) - 1]
        raise self.retry(countdown=delay)
    return log.status
