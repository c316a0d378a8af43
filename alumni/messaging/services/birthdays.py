"""Birthday greetings: the school's settings, and the daily send that greets each alumnus at most
once a year.

Once a year holds under races: the BirthdayGreeting row (unique person + year) is inserted in
the same transaction that reserves the SMS quota and writes the MessageLog. A second task for
the same school at the same moment blocks on that insert until the first commits, then gets an
IntegrityError and skips the person; the log's idempotency key ``birthday:<person>:<year>`` is a
second guard. Delivery tasks are sent after commit, so a rolled-back greeting sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.messaging.errors import CampaignInvalid, QuotaExhausted
from alumni.messaging.models import BirthdayChannel, BirthdayGreeting, BirthdaySettings
from alumni.messaging.placeholders import person_context, placeholders_unknown, render_placeholders
from alumni.messaging.selectors.sms import birthday_settings, birthdays_due, sms_signature
from alumni.messaging.services.send import Message, Recipient, message_send
from alumni.messaging.sms_length import with_signature
from alumni.people.models import Degree, Person
from alumni.people.normalize import Invalid
from alumni.people.normalize import phone as normalize_phone

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = (
    "enabled",
    "channel",
    "text",
    "sms_template",
    "wechat_template_id",
    "send_time",
)


def birthday_settings_update(
    *,
    actor,
    enabled: bool,
    channel: str,
    text: str,
    send_time: time,
    sms_template: str = "",
    wechat_template_id: str = "",
) -> BirthdaySettings:
    """Save the school's birthday greeting settings."""
    text = (text or "").strip()
    if channel not in BirthdayChannel.values:
        raise CampaignInvalid("未知的发送方式", field="channel")
    if not text:
        raise CampaignInvalid("请填写祝福内容", field="text")
    unknown = placeholders_unknown(text)
    if unknown:
        raise CampaignInvalid("未知的占位符：" + "、".join("{{" + n + "}}" for n in unknown), field="text")
    with transaction.atomic():
        current = BirthdaySettings.objects.select_for_update().filter(pk=1).first() or BirthdaySettings(pk=1)
        before = {name: str(getattr(current, name)) for name in SETTINGS_FIELDS}
        current.enabled, current.channel, current.text = bool(enabled), channel, text
        current.sms_template = (sms_template or "").strip()
        current.wechat_template_id, current.send_time = (wechat_template_id or "").strip(), send_time
        current.save()
        audit_record(
            actor=actor,
            action="messaging.birthday_settings",
            target=current,
            summary="修改生日祝福设置" + ("（已启用）" if current.enabled else "（已停用）"),
            before=before,
            after={name: str(getattr(current, name)) for name in SETTINGS_FIELDS},
        )
    return current


def birthday_text(settings: BirthdaySettings, person: Person | None) -> str:
    """The greeting for this person (the SMS gateway adds the 【signature】 in front)."""
    return render_placeholders(settings.text, person_context(person))


def birthday_preview(settings: BirthdaySettings, person: Person | None) -> str:
    """The greeting as this person reads it, with the school's 【signature】 for SMS."""
    text = birthday_text(settings, person)
    if settings.channel == BirthdayChannel.SMS:
        return with_signature(sms_signature(), text)
    return text


def _mobile(person: Person) -> str:
    for raw in person.phones:
        try:
            number = normalize_phone(raw)
        except Invalid:
            continue
        if len(number) == 11 and number.startswith("1"):
            return number
    return ""


def birthday_greet(*, settings: BirthdaySettings, person: Person, day) -> BirthdayGreeting | None:
    """Greet one person for `day`'s year unless already greeted; None when skipped.

    Raises QuotaExhausted (nothing written: message_send reserves each single SMS's segments and
    rolls back) when an SMS greeting no longer fits this year's quota.
    """
    text = birthday_text(settings, person)
    if settings.channel == BirthdayChannel.SMS:
        phone = _mobile(person)
        if not phone:
            return None  # only landlines or malformed numbers: nothing can receive an SMS
        recipient = Recipient(name=person.name, phone=phone, person_id=person.pk)
        channels = ["sms"]
    else:
        from alumni.messaging.selectors.recipients import recipient_for_person

        recipient = recipient_for_person(person)
        if recipient.user_id is None:
            return None
        channels = ["inapp"]
        if settings.wechat_template_id and recipient.wechat_openid:
            channels.append("wechat")
    message = Message(
        purpose="birthday",
        subject="生日快乐",
        text=text,
        sms_template=settings.sms_template,
        sms_params={"name": person.name},
        wechat_template_id=settings.wechat_template_id,
        wechat_data={"first": text, "keyword1": person.name, "keyword2": day.isoformat()},
    )
    try:
        with transaction.atomic():
            greeting = BirthdayGreeting.objects.create(
                person=person, year=day.year, greeted_on=day, channel=settings.channel
            )
            logs = message_send(
                recipient=recipient,
                message=message,
                channels=channels,
                idempotency_key=f"birthday:{person.pk}:{day.year}",
                deliver="async",
            )
            greeting.log = logs[0] if logs else None
            greeting.save(update_fields=["log"])
    except IntegrityError:
        return None  # greeted already this year (by another task, or earlier today)
    return greeting


def birthdays_send(*, now: datetime | None = None) -> int:
    """Greet today's birthdays if the school enabled greetings and its time of day has come."""
    now = timezone.localtime(now or timezone.now())
    settings = birthday_settings()
    if settings._state.adding or not settings.enabled or now.time() < settings.send_time:
        return 0
    today = now.date()
    degrees = Prefetch("degrees", queryset=Degree.objects.select_related("college", "major"))
    greeted = 0
    for person in birthdays_due(today, settings.channel).prefetch_related(degrees).iterator(chunk_size=200):
        try:
            if birthday_greet(settings=settings, person=person, day=today):
                greeted += 1
        except QuotaExhausted:
            logger.warning("Birthday greetings stopped: this year's SMS quota is used up")
            break
    return greeted
