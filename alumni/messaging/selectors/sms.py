"""Reads for mass SMS and birthday greetings: quota, campaign progress, who has a birthday."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from alumni.messaging.models import (
    BirthdayChannel,
    BirthdayGreeting,
    BirthdaySettings,
    SmsCampaign,
    SmsRecipient,
    SmsUsage,
)
from alumni.people.choices import DatePrecision
from alumni.people.models import Person
from billing.subscriptions.selectors import plan_limits

DEFAULT_QUOTA = SmsUsage._meta.get_field("quota").default
# Person has no "deceased" field; records of alumni who passed away carry one of these tags and
# never get a birthday greeting (nor anything else the office sends to the living).
DECEASED_TAGS = ("已故", "逝世", "去世")


@dataclass(frozen=True)
class Quota:
    year: int
    quota: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.used)


def sms_quota(year: int | None = None) -> Quota:
    """This year's SMS quota of the current school (the default quota before the first SMS)."""
    year = year or timezone.localdate().year
    row = SmsUsage.objects.filter(year=year).first()
    if row is None:
        plan_quota = plan_limits(connection.schema_name).sms_per_year
        return Quota(year=year, quota=DEFAULT_QUOTA if plan_quota is None else plan_quota, used=0)
    return Quota(year=year, quota=row.quota, used=row.used)


# --- campaigns ---------------------------------------------------------------------------------


def sms_campaigns() -> QuerySet[SmsCampaign]:
    return SmsCampaign.objects.select_related("created_by").order_by("-created_at", "-id")


@dataclass(frozen=True)
class Progress:
    pending: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    segments_sent: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.failed + self.skipped

    @property
    def done(self) -> int:
        return self.total - self.pending

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


def sms_campaign_progress(campaign: SmsCampaign) -> Progress:
    """How many recipients are pending, sent, failed, skipped (one query)."""
    counts = {
        row["status"]: row
        for row in SmsRecipient.objects.filter(campaign=campaign)
        .values("status")
        .annotate(n=Count("id"), segments=Sum("segments"))
    }
    sent = counts.get(SmsRecipient.Status.SENT, {})
    return Progress(
        pending=counts.get(SmsRecipient.Status.PENDING, {}).get("n", 0),
        sent=sent.get("n", 0),
        failed=counts.get(SmsRecipient.Status.FAILED, {}).get("n", 0),
        skipped=counts.get(SmsRecipient.Status.SKIPPED, {}).get("n", 0),
        segments_sent=sent.get("segments") or 0,
    )


def sms_campaign_problems(campaign: SmsCampaign, limit: int | None = None) -> QuerySet[SmsRecipient]:
    """Recipients that got nothing (invalid number, unsubscribed, provider error), with the reason."""
    rows = SmsRecipient.objects.filter(
        campaign=campaign, status__in=[SmsRecipient.Status.FAILED, SmsRecipient.Status.SKIPPED]
    ).order_by("id")
    return rows[:limit] if limit else rows


def sms_campaign_samples(campaign: SmsCampaign, limit: int = 3) -> QuerySet[SmsRecipient]:
    """A few rendered texts, for the preview."""
    return SmsRecipient.objects.filter(campaign=campaign).exclude(status=SmsRecipient.Status.SKIPPED)[:limit]


# --- birthdays ---------------------------------------------------------------------------------


def birthday_settings() -> BirthdaySettings:
    """The school's settings (unsaved defaults until an admin saves them)."""
    return BirthdaySettings.objects.filter(pk=1).first() or BirthdaySettings(pk=1)


def living_persons() -> QuerySet[Person]:
    """Active (unmerged) records not marked as deceased."""
    return Person.objects.filter(merged_into__isnull=True).exclude(tags__overlap=list(DECEASED_TAGS))


def birthdays_on(day: date) -> QuerySet[Person]:
    """Living persons whose birthday is greeted on `day` (full birth dates only).

    Someone born on 29 February is greeted on 28 February in common years (a greeting a day early
    beats none, and 1 March would fall in another month).
    """
    match = Q(birth_date__month=day.month, birth_date__day=day.day)
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        match |= Q(birth_date__month=2, birth_date__day=29)
    return living_persons().filter(match, birth_date__isnull=False, birth_date_precision=DatePrecision.DAY)


def reachable(persons: QuerySet[Person], channel: str) -> QuerySet[Person]:
    """Those the channel can reach: a phone number (SMS) or a linked account (in-app / WeChat)."""
    if channel == BirthdayChannel.SMS:
        return persons.exclude(phones=[])
    return persons.filter(accounts__isnull=False).distinct()


def birthdays_due(day: date, channel: str) -> QuerySet[Person]:
    """Persons to greet on `day` over `channel` who have not been greeted in `day`'s year."""
    greeted = BirthdayGreeting.objects.filter(year=day.year).values("person_id")
    return reachable(birthdays_on(day), channel).exclude(pk__in=greeted).order_by("pk")


@dataclass(frozen=True)
class BirthdayRow:
    person: Person
    greeted: bool
    reachable: bool


def birthdays_upcoming(*, start: date, days: int = 8, channel: str) -> list[tuple[date, list[BirthdayRow]]]:
    """Each day from `start` (today and the next `days - 1`), with its birthdays and their state."""
    result = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        persons = list(birthdays_on(day).order_by("name", "pk"))
        ids = [p.pk for p in persons]
        greeted = set(
            BirthdayGreeting.objects.filter(year=day.year, person_id__in=ids).values_list(
                "person_id", flat=True
            )
        )
        can_reach = set(reachable(Person.objects.filter(pk__in=ids), channel).values_list("pk", flat=True))
        result.append(
            (
                day,
                [
                    BirthdayRow(person=p, greeted=p.pk in greeted, reachable=p.pk in can_reach)
                    for p in persons
                ],
            )
        )
    return result


def birthday_greetings(year: int) -> QuerySet[BirthdayGreeting]:
    """Greetings of a year, newest first, with their send log."""
    return BirthdayGreeting.objects.filter(year=year).select_related("person", "log")


def sms_signature() -> str:
    """The 【signature】 this school's SMS carry: the provider-approved sign name of 消息设置
    ("" until it is set; the console backend in development sends without one)."""
    from alumni.messaging.models.settings import MessagingSettings

    config = MessagingSettings.base_queryset().first()
    return ((config.sms_sign_name if config else "") or "").strip().strip("【】[]")
