"""The daily check of school plans (beat, public schema): grace for the unpaid, then suspension."""

from __future__ import annotations

from celery import shared_task

from billing.subscriptions.services import subscriptions_enforce


@shared_task(name="subscriptions.enforce", ignore_result=True)
def subscriptions_enforce_daily() -> dict[str, int]:
    return subscriptions_enforce()
