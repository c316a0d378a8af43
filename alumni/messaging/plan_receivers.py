"""This year's SMS quota follows the school's plan when the plan changes (billing.subscriptions)."""

from __future__ import annotations

from django.db import connection
from django.dispatch import receiver
from django_tenants.utils import schema_context

from alumni.messaging.services.quota import sms_quota_follow_plan
from billing.subscriptions.signals import plan_changed


@receiver(plan_changed, dispatch_uid="messaging.sms_quota_follows_plan")
def sms_quota_follows_plan(sender, school, plan, **kwargs) -> None:
    with schema_context(school.schema_name):
        connection.tenant = school
        sms_quota_follow_plan(quota=plan.sms_per_year)
