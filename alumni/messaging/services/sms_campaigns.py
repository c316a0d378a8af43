"""Mass SMS: prepare a campaign (recipients fixed, texts rendered, segments counted), start it
(the whole campaign's quota reserved at once, or refused), and run it in a worker.

Quota: the campaign reserves every billed segment it needs in one ``sms_quota_reserve`` call
before the first SMS leaves. A campaign bigger than what is left this year is refused as a
whole: sending part of a mailing list and stopping at an arbitrary name helps nobody, and the
office sees the refusal (with the numbers) before anything is sent. Segments reserved for
recipients that in the end got nothing (unsubscribed, rejected number) are given back when the
campaign finishes.

Duplicates: each SMS goes through ``message_send`` with the key ``sms:<campaign>:<recipient>``,
so a second run (a worker killed and the task redelivered) finds the existing log instead of
sending again; one run at a time per campaign is guaranteed by a PostgreSQL advisory lock held
by the worker's connection (released by the server if the worker dies).
"""

from __future__ import annotations

import itertools
import logging
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.messaging.errors import CampaignInvalid, QuotaExhausted
from alumni.messaging.models import MessageLog, SmsCampaign, SmsRecipient
from alumni.messaging.placeholders import person_context, placeholders_unknown, render_placeholders
from alumni.messaging.recipient_sources import RecipientRow, mobile_of, recipient_source, resolve_rows
from alumni.messaging.selectors.sms import DECEASED_TAGS, sms_quota
from alumni.messaging.services.quota import sms_quota_release
from alumni.messaging.services.send import (
    Message,
    Recipient,
    message_deliver,
    message_send,
    sms_quota_reserve,
)
from alumni.messaging.sms_length import sms_segments, with_signature
from alumni.people.models import Person
from alumni.people.normalize import Invalid

logger = logging.getLogger(__name__)

RUN_TASK = "messaging.sms_campaign_run"
CHUNK = 500


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# --- building the recipient list ---------------------------------------------------------------


def _deceased(person_ids: list[int]) -> set[int]:
    return set(
        Person.objects.filter(pk__in=person_ids, tags__overlap=list(DECEASED_TAGS)).values_list(
            "pk", flat=True
        )
    )


def _bad_rows(campaign: SmsCampaign, params: dict) -> Iterator[SmsRecipient]:
    """Lines of an uploaded list the reader could not use: reported with the others."""
    for bad in params.get("bad_rows", []):
        values = bad.get("values", {})
        yield SmsRecipient(
            campaign=campaign,
            name=(values.get("姓名") or "")[:60],
            phone=(values.get("手机") or "")[:40],
            status=SmsRecipient.Status.SKIPPED,
            error=f"第 {bad.get('line', '?')} 行：{bad.get('reason', '')}"[:300],
        )


def _rows(campaign: SmsCampaign, rows: Iterable[RecipientRow]) -> Iterator[SmsRecipient]:
    seen: set[str] = set()
    base = person_context(None)
    for chunk in _batched(rows, CHUNK):
        # Records marked 已故 get no SMS and are left out of the list altogether.
        gone = _deceased([r.person_id for r in chunk if r.person_id])
        for source_row in chunk:
            if source_row.person_id in gone:
                continue
            name = source_row.name or ""
            row = SmsRecipient(campaign=campaign, person_id=source_row.person_id, name=name[:60])
            raw = (source_row.phone or "").strip()
            try:
                if not raw:
                    raise Invalid("no phone", "没有手机号")
                row.phone = mobile_of(raw)
            except Invalid as error:
                row.phone = raw[:40]
                row.status, row.error = SmsRecipient.Status.SKIPPED, error.message[:300]
                yield row
                continue
            if row.phone in seen:
                row.status, row.error = SmsRecipient.Status.SKIPPED, "号码重复，只发一次"
                yield row
                continue
            seen.add(row.phone)
            named = {"姓名": name, "称呼": f"{name}校友"} if name else {}
            context = {**base, **named, **source_row.context}
            # The gateway puts the 【signature】 in front (and bills it): stored without, counted with.
            row.text = render_placeholders(campaign.text, context)
            row.segments = sms_segments(with_signature(campaign.signature, row.text))
            yield row


# --- services -----------------------------------------------------------------------------------


def _check_text(text: str, columns: Iterable[str] = ()) -> None:
    if not (text or "").strip():
        raise CampaignInvalid("请填写短信内容", field="text")
    # An uploaded list's extra columns (座位号 …) are placeholders too, as in e-mail campaigns.
    unknown = [name for name in placeholders_unknown(text) if name not in set(columns)]
    if unknown:
        names = "、".join("{{" + name + "}}" for name in unknown)
        raise CampaignInvalid(f"未知的占位符：{names}", field="text")


def sms_campaign_create(
    *,
    actor,
    title: str,
    signature: str,
    text: str,
    sms_template: str = "",
    source: str = "alumni",
    params: dict | None = None,
) -> SmsCampaign:
    """Create a draft campaign from a registered recipient source, every text rendered and counted."""
    params = params or {}
    _check_text(text, params.get("extra_columns", []))
    chosen = recipient_source(source)
    with transaction.atomic():
        campaign = SmsCampaign.objects.create(
            title=(title or "").strip()[:100] or "短信群发",
            signature=signature.strip().strip("【】[]"),
            text=text.strip(),
            sms_template=sms_template.strip(),
            source=source,
            source_params=params,
            source_label=chosen.description(params)[:200],
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        rows = itertools.chain(_rows(campaign, resolve_rows(source, params)), _bad_rows(campaign, params))
        for batch in _batched(rows, CHUNK):
            SmsRecipient.objects.bulk_create(batch)
        _count(campaign)
        if campaign.recipients_valid == 0:
            raise CampaignInvalid("没有可以接收短信的收件人（没有有效手机号）")
        audit_record(
            actor=actor,
            action="messaging.sms_campaign_create",
            target=campaign,
            summary=f"创建短信群发「{campaign.title}」：{campaign.source_label}，"
            f"{campaign.recipients_valid} 人，{campaign.segments_total} 条",
        )
    return campaign


def _count(campaign: SmsCampaign) -> None:
    rows = SmsRecipient.objects.filter(campaign=campaign)
    valid = rows.exclude(status=SmsRecipient.Status.SKIPPED)
    campaign.recipients_valid = valid.count()
    campaign.recipients_invalid = rows.filter(status=SmsRecipient.Status.SKIPPED).count()
    campaign.segments_total = sum(valid.values_list("segments", flat=True))
    campaign.save(update_fields=["recipients_valid", "recipients_invalid", "segments_total"])


def _locked(campaign_id: int) -> SmsCampaign:
    return SmsCampaign.objects.select_for_update().get(pk=campaign_id)


def _reserve(campaign: SmsCampaign) -> None:
    """Take the campaign's segments from this year's quota, or refuse the whole campaign."""
    try:
        usage = sms_quota_reserve(count=campaign.segments_total)
    except QuotaExhausted:
        quota = sms_quota()
        raise QuotaExhausted(
            f"本年度短信额度不足：本次需要 {campaign.segments_total} 条，"
            f"剩余 {quota.remaining} 条（已用 {quota.used} / {quota.quota}），未发送任何短信。"
        ) from None
    campaign.quota_year, campaign.quota_reserved = usage.year, campaign.segments_total


def sms_campaign_start(*, actor, campaign_id: int, at: datetime | None = None) -> SmsCampaign:
    """Send a draft now (quota reserved here, or QuotaExhausted and nothing sent) or schedule it."""
    from tenants.tasks import send_after_commit

    with transaction.atomic():
        campaign = _locked(campaign_id)
        if campaign.status != SmsCampaign.Status.DRAFT:
            raise CampaignInvalid("只有草稿可以发送或预约")
        now = timezone.now()
        if at is not None and at > now:
            quota = sms_quota()
            if campaign.segments_total > quota.remaining:
                # Checked now so the office hears it today; reserved for real when the time comes.
                raise QuotaExhausted(
                    f"本年度短信额度不足：本次需要 {campaign.segments_total} 条，剩余 {quota.remaining} 条。"
                )
            campaign.status, campaign.scheduled_at = SmsCampaign.Status.SCHEDULED, at
            campaign.save(update_fields=["status", "scheduled_at"])
            action, summary = "messaging.sms_campaign_schedule", f"预约短信群发「{campaign.title}」"
            # The schema is read now: by commit time the connection may have left the school.
            schema = connection.schema_name
            transaction.on_commit(lambda: _send_run_task(campaign.pk, eta=at, schema=schema))
        else:
            _reserve(campaign)
            campaign.status, campaign.started_at = SmsCampaign.Status.SENDING, now
            campaign.save(update_fields=["status", "started_at", "quota_year", "quota_reserved"])
            action, summary = "messaging.sms_campaign_send", f"发送短信群发「{campaign.title}」"
            send_after_commit(RUN_TASK, campaign.pk)
        audit_record(actor=actor, action=action, target=campaign, summary=summary)
    return campaign


def _send_run_task(campaign_id: int, *, eta: datetime, schema: str) -> None:
    from tenants.tasks import SCHEMA_HEADER, _task

    _task(RUN_TASK).apply_async((campaign_id,), eta=eta, headers={SCHEMA_HEADER: schema})


def sms_campaign_cancel(*, actor, campaign_id: int) -> SmsCampaign:
    """Cancel a draft or scheduled campaign (one already sending cannot be called back)."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        if campaign.status not in (SmsCampaign.Status.DRAFT, SmsCampaign.Status.SCHEDULED):
            raise CampaignInvalid("发送中或已完成的群发不能取消")
        campaign.status = SmsCampaign.Status.CANCELLED
        campaign.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="messaging.sms_campaign_cancel",
            target=campaign,
            summary=f"取消短信群发「{campaign.title}」",
        )
    return campaign


def _begin_scheduled(campaign_id: int) -> bool:
    """A scheduled campaign whose time has come: reserve and start, or mark it refused."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        if campaign.status != SmsCampaign.Status.SCHEDULED:
            return campaign.status == SmsCampaign.Status.SENDING
        if campaign.scheduled_at and campaign.scheduled_at > timezone.now():
            return False  # an early delivery of the task (e.g. broker redelivery); the eta one follows
        try:
            with transaction.atomic():
                _reserve(campaign)
        except QuotaExhausted as error:
            campaign.status, campaign.error = SmsCampaign.Status.REFUSED, error.message[:300]
            campaign.finished_at = timezone.now()
            campaign.save(update_fields=["status", "error", "finished_at"])
            return False
        campaign.status, campaign.started_at = SmsCampaign.Status.SENDING, timezone.now()
        campaign.save(update_fields=["status", "started_at", "quota_year", "quota_reserved"])
    return True


def _advisory_key(campaign_id: int) -> tuple[int, int]:
    schema_key = zlib.crc32(f"sms_campaign:{connection.schema_name}".encode()) - 2**31
    return schema_key, int(campaign_id)


def _status_of(log: MessageLog) -> tuple[str, str]:
    if log.status in (MessageLog.Status.SENT, MessageLog.Status.OPENED):
        return SmsRecipient.Status.SENT, ""
    if log.status == MessageLog.Status.SKIPPED:
        return SmsRecipient.Status.SKIPPED, log.error or "已跳过"
    if log.status in (MessageLog.Status.FAILED, MessageLog.Status.BOUNCED):
        return SmsRecipient.Status.FAILED, log.error or "发送失败"
    return SmsRecipient.Status.PENDING, ""


def _send_one(campaign: SmsCampaign, row: SmsRecipient) -> None:
    message = Message(
        purpose="sms_campaign",
        text=row.text,
        sms_template=campaign.sms_template,
        sms_params={"name": row.name, "content": row.text},
        marketing=True,
    )
    recipient = Recipient(name=row.name, phone=row.phone, person_id=row.person_id)
    logs = message_send(
        recipient=recipient,
        message=message,
        channels=["sms"],
        idempotency_key=f"sms:{campaign.pk}:{row.pk}",
        campaign=("sms", campaign.pk),
        deliver="now",
    )
    log = logs[0]
    if log.status == MessageLog.Status.QUEUED:
        # A log left queued by a run that died before delivering it (message_send found the
        # existing log and did not deliver); delivering a log already sent sends nothing.
        log = message_deliver(log_id=log.pk)
    row.status, row.error = _status_of(log)
    row.log = log
    row.save(update_fields=["status", "error", "log"])


def sms_campaign_run(*, campaign_id: int) -> SmsCampaign:
    """The worker's part: send every pending recipient, then close the campaign (restartable)."""
    campaign = SmsCampaign.objects.get(pk=campaign_id)
    if campaign.status == SmsCampaign.Status.SCHEDULED and not _begin_scheduled(campaign_id):
        return SmsCampaign.objects.get(pk=campaign_id)
    key = _advisory_key(campaign_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        if not cursor.fetchone()[0]:
            logger.info("SMS campaign %s is being sent by another worker", campaign_id)
            return campaign
    try:
        campaign = SmsCampaign.objects.get(pk=campaign_id)
        if campaign.status != SmsCampaign.Status.SENDING:
            return campaign
        pending = SmsRecipient.objects.filter(campaign=campaign, status=SmsRecipient.Status.PENDING)
        last = 0
        while True:
            batch = list(pending.filter(pk__gt=last).order_by("pk")[:CHUNK])
            if not batch:
                break
            for row in batch:
                try:
                    _send_one(campaign, row)
                except Exception as error:  # one bad recipient must not stop the others
                    logger.exception("SMS campaign %s recipient %s", campaign_id, row.pk)
                    row.status, row.error = SmsRecipient.Status.FAILED, str(error)[:300]
                    row.save(update_fields=["status", "error"])
                last = row.pk
        return _finish(campaign_id)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def _finish(campaign_id: int) -> SmsCampaign:
    """Close a campaign whose recipients are all done; give back quota nobody used."""
    with transaction.atomic():
        campaign = _locked(campaign_id)
        if campaign.status != SmsCampaign.Status.SENDING:
            return campaign
        rows = SmsRecipient.objects.filter(campaign=campaign)
        if rows.filter(status=SmsRecipient.Status.PENDING).exists():
            return campaign
        # Reserved for recipients that got nothing (unsubscribed, number or template refused by
        # the provider): not billed, so given back (as message_send does for single SMS).
        billed = sum(rows.filter(status=SmsRecipient.Status.SENT).values_list("segments", flat=True))
        unused = max(0, campaign.quota_reserved - billed)
        if unused and campaign.quota_year:
            sms_quota_release(count=unused, year=campaign.quota_year)
            campaign.quota_reserved -= unused
        campaign.status, campaign.finished_at = SmsCampaign.Status.DONE, timezone.now()
        campaign.save(update_fields=["status", "finished_at", "quota_reserved"])
    return campaign


def sms_campaigns_resume(*, now: datetime | None = None) -> int:
    """Run scheduled campaigns whose time has come and sending ones no worker holds (a worker
    killed mid-campaign); returns how many were run. Called every few minutes per school."""
    now = now or timezone.now()
    due = SmsCampaign.objects.filter(
        status=SmsCampaign.Status.SCHEDULED, scheduled_at__lte=now
    ) | SmsCampaign.objects.filter(status=SmsCampaign.Status.SENDING)
    ran = 0
    for campaign_id in due.order_by("pk").values_list("pk", flat=True):
        # Skips itself when another worker holds the campaign, or its time has not come.
        if sms_campaign_run(campaign_id=campaign_id).status != SmsCampaign.Status.SCHEDULED:
            ran += 1
    return ran
