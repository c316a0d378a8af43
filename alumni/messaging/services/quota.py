"""Each school's yearly SMS quota: reserve before sending, give back what was not sent.

The quota (default 100,000 a year) is the platform's to set (``manage.py sms_quota``); a new
year's row starts with last year's quota. Reservations lock this year's row (select_for_update)
so two concurrent sends can never together pass the quota; the CHECK constraint
``used <= quota`` is the database's backstop if some code path ever forgot the lock.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from alumni.messaging.errors import QuotaExhausted
from alumni.messaging.models import SmsUsage

DEFAULT_YEARLY_QUOTA = 100_000


def this_year() -> int:
    return timezone.localdate().year


def _initial_quota(year: int) -> int:
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
