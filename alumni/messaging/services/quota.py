"""Each school's yearly SMS quota: reserve before sending, give back what was not sent.

The quota is the school's plan's ``sms_per_year`` (billing.subscriptions; 100,000 a year without
a plan); the platform may override one year's (``manage.py sms_quota``) and a new year's row
starts again from the plan. When the plan changes, this year's quota follows it (never below
what is already used: ``sms_quota_follow_plan``). Reservations lock this year's row (select_for_update)
so two concurrent sends can never together pass the quota; the CHECK constraint
``used <= quota`` is the database's backstop if some code path ever forgot the lock.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from alumni.messaging.errors import QuotaExhausted
from alumni.messaging.models import SmsUsage
from billing.subscriptions.selectors import plan_limits

DEFAULT_YEARLY_QUOTA = 100_000


def this_year() -> int:
    return timezone.localdate().year


def _initial_quota(year: int) -> int:
    # A new year starts with the school's plan (an operator's sms_quota override was for one year).
    plan_quota = plan_limits(connection.schema_name).sms_per_year
    if plan_quota is not None:
        return plan_quota
    previous = SmsUsage.objects.filter(year__lt=year).order_by("-year").first()
    return previous.quota if previous else DEFAULT_YEARLY_QUOTA


def _locked_row(year: int) -> SmsUsage:
    # Create the year's row if missing without racing another creator, then lock it.
    SmsUsage.objects.bulk_create([SmsUsage(year=year, quota=_initial_quota(year))], ignore_conflicts=True)
    return SmsUsage.objects.select_for_update().get(year=year)


@transaction.atomic
def sms_quota_reserve(*, count: int) -> SmsUsage:
    """Atomically reserve `count` SMS of this year's quota or raise QuotaExhausted."""
    usage = _locked_row(this_year())
    if count <= 0:
        return usage
    if usage.used + count > usage.quota:
        raise QuotaExhausted(
            f"本年度短信额度不足：需要 {count} 条，剩余 {usage.remaining} 条"
            f"（已用 {usage.used} / {usage.quota}），未发送任何短信。"
        )
    usage.used += count
    usage.save(update_fields=["used", "updated_at"])
    return usage


@transaction.atomic
def sms_quota_release(*, count: int, year: int | None = None) -> None:
    """Give back `count` reserved SMS that were not sent (skipped or refused by the provider)."""
    if count > 0:
        SmsUsage.objects.filter(year=year or this_year()).update(
            used=Greatest(F("used") - count, 0), updated_at=timezone.now()
        )


@transaction.atomic
def sms_quota_set(*, quota: int, year: int | None = None) -> SmsUsage:
    """Set a school's yearly quota (platform operators only; never below what is already used)."""
    usage = _locked_row(year or this_year())
    if quota < usage.used:
        raise QuotaExhausted(f"额度不能低于本年度已用的 {usage.used} 条")
    usage.quota = quota
    usage.save(update_fields=["quota", "updated_at"])
    return usage


@transaction.atomic
def sms_quota_follow_plan(*, quota: int, year: int | None = None) -> SmsUsage | None:
    """The school's plan changed: this year's quota becomes the plan's, never below what is used."""
    year = year or this_year()
    if not SmsUsage.objects.filter(year=year).exists():
        return None  # the year's row, when first needed, starts from the new plan
    usage = _locked_row(year)
    usage.quota = max(quota, usage.used)
    usage.save(update_fields=["quota", "updated_at"])
    return usage
