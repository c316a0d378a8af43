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

import contextlib
import itertools
import logging
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.messaging.errors import CampaignInvalid, QuotaExhausted
from alumni.messaging.models import MessageLog, SmsCampaign, SmsRecipient
from alumni.messaging.placeholders import person_context, placeholders_unknown, render_placeholders
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
from alumni.people.models import Degree, Person
from alumni.people.normalize import Invalid
from alumni.people.normalize import phone as normalize_phone
from alumni.people.normalize import text as cell_text
from alumni.people.search import search_persons
from alumni.people.services.import_read import field_for_label, iter_rows

logger = logging.getLogger(__name__)

RUN_TASK = "messaging.sms_campaign_run"
PAGE = 200  # search_persons' largest page
CHUNK = 500
MAX_UPLOAD_ROWS = 200_000


@dataclass(frozen=True)
class Draft:
    """One line of the recipient list before rendering."""

    phone_raw: str
    name: str = ""
    person: Person | None = None
    reason: str = ""  # set when the line cannot get an SMS


def mobile_of(raw: str) -> str:
    """A Chinese mobile number (11 digits starting with 1) or raise Invalid."""
    number = normalize_phone(raw)
    if not (len(number) == 11 and number.startswith("1")):
        raise Invalid("not a mobile", f"不是手机号（无法接收短信）：{raw}")
    return number


# --- building the recipient list ---------------------------------------------------------------


def _persons(ids: list[int]) -> Iterator[Person]:
    degrees = Prefetch("degrees", queryset=Degree.objects.select_related("college", "major"))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        by_id = {
            p.pk: p
            for p in Person.objects.filter(pk__in=chunk)
            .exclude(tags__overlap=list(DECEASED_TAGS))
            .prefetch_related(degrees)
        }
        yield from (by_id[pk] for pk in chunk if pk in by_id)


def _filtered_ids(query: str, filters: dict) -> list[int]:
    if not query and not filters:  # everyone: straight from the table, not 200 at a time
        return list(
            Person.objects.filter(merged_into__isnull=True).order_by("pk").values_list("pk", flat=True)
        )
    ids: list[int] = []
    while True:
        page = search_persons(query=query, filters=filters, offset=len(ids), limit=PAGE)
        ids.extend(page.ids)
        if not page.ids or len(ids) >= page.total:
            return list(dict.fromkeys(ids))


def drafts_from_filters(query: str, filters: dict) -> Iterator[Draft]:
    """Alumni matching the search, each with the first mobile number of the record."""
    for person in _persons(_filtered_ids(query, filters)):
        phones = [p for p in person.phones if p]
        if not phones:
            yield Draft(phone_raw="", name=person.name, person=person, reason="档案中没有手机号")
            continue
        for raw in phones:
            try:
                mobile_of(raw)
            except Invalid:
                continue
            yield Draft(phone_raw=raw, name=person.name, person=person)
            break
        else:
            yield Draft(
                phone_raw=phones[0],
                name=person.name,
                person=person,
                reason="档案中没有可接收短信的手机号：" + "、".join(phones),
            )


def drafts_from_upload(handle, filename: str) -> Iterator[Draft]:
    """An XLSX/CSV list with a 手机号 column (姓名 optional); a number found in the records uses
    that alumnus for the placeholders."""
    rows = iter_rows(handle, filename)
    header: tuple = ()
    phone_col, name_col = 0, None
    first = next(rows, None)
    if first is None:
        raise CampaignInvalid("名单文件是空的")
    labels = [field_for_label(cell) for cell in first]
    if "phone" in labels:
        header = first
        phone_col = labels.index("phone")
        name_col = labels.index("name") if "name" in labels else None
    lines = rows if header else itertools.chain([first], rows)
    drafts: list[Draft] = []
    for count, row in enumerate(lines, start=1):
        if count > MAX_UPLOAD_ROWS:
            raise CampaignInvalid(f"名单超过 {MAX_UPLOAD_ROWS} 行，请分批发送")
        raw = cell_text(row[phone_col]) if phone_col < len(row) else ""
        name = cell_text(row[name_col]) if name_col is not None and name_col < len(row) else ""
        if raw or name:
            drafts.append(Draft(phone_raw=raw, name=name))
    if not drafts:
        raise CampaignInvalid("名单中没有手机号（需要一列“手机号”）")
    yield from _match_persons(drafts)


def _match_persons(drafts: list[Draft]) -> Iterator[Draft]:
    numbers = {}
    for draft in drafts:
        with contextlib.suppress(Invalid):
            numbers[draft.phone_raw] = mobile_of(draft.phone_raw)
    wanted = sorted(set(numbers.values()))
    owners: dict[str, Person] = {}
    degrees = Prefetch("degrees", queryset=Degree.objects.select_related("college", "major"))
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found = (
            Person.objects.filter(merged_into__isnull=True, phones__overlap=chunk)
            .prefetch_related(degrees)
            .order_by("pk")
        )
        for person in found:
            for number in person.phones:
                owners.setdefault(number, person)
    for draft in drafts:
        person = owners.get(numbers.get(draft.phone_raw, ""))
        yield Draft(
            phone_raw=draft.phone_raw, name=draft.name or (person.name if person else ""), person=person
        )


def _rows(campaign: SmsCampaign, drafts: Iterable[Draft]) -> Iterator[SmsRecipient]:
    seen: set[str] = set()
    base = person_context(None)
    for draft in drafts:
        row = SmsRecipient(campaign=campaign, person=draft.person, name=draft.name[:60])
        try:
            if draft.reason:
                raise Invalid("no phone", draft.reason)
            row.phone = mobile_of(draft.phone_raw)
        except Invalid as error:
            row.phone = draft.phone_raw[:40]
            row.status, row.error = SmsRecipient.Status.SKIPPED, error.message
            yield row
            continue
        if row.phone in seen:
            row.status, row.error = SmsRecipient.Status.SKIPPED, "号码重复，只发一次"
            yield row
            continue
        seen.add(row.phone)
        # A name given in an uploaded list wins over the record's (an office may write 张老师).
        context = person_context(draft.person) if draft.person is not None else dict(base)
        if draft.name:
            context |= {"姓名": draft.name, "称呼": f"{draft.name}校友"}
        # The gateway puts the 【signature】 in front (and bills it): stored without, counted with.
        row.text = render_placeholders(campaign.text, context)
        row.segments = sms_segments(with_signature(campaign.signature, row.text))
        yield row


# --- services -----------------------------------------------------------------------------------


def _check_text(text: str) -> None:
    if not (text or "").strip():
        raise CampaignInvalid("请填写短信内容", field="text")
    unknown = placeholders_unknown(text)
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
    source: str = SmsCampaign.Source.FILTERS,
    query: str = "",
    filters: dict | None = None,
    upload=None,
) -> SmsCampaign:
    """Create a draft campaign with its recipients fixed and every text rendered and counted."""
    _check_text(text)
    if source == SmsCampaign.Source.UPLOAD and upload is None:
        raise CampaignInvalid("请上传收件人名单（Excel 或 CSV，含“手机号”列）", field="upload")
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    with transaction.atomic():
        campaign = SmsCampaign.objects.create(
            title=(title or "").strip()[:100] or "短信群发",
            signature=signature.strip().strip("【】[]"),
            text=text.strip(),
            sms_template=sms_template.strip(),
            source=source,
            query=(query or "").strip(),
            filters=filters,
            upload_name=getattr(upload, "name", "")[:200] if upload is not None else "",
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        if source == SmsCampaign.Source.UPLOAD:
            drafts = drafts_from_upload(upload, upload.name)
        else:
            drafts = drafts_from_filters(campaign.query, filters)
        batch: list[SmsRecipient] = []
        for row in _rows(campaign, drafts):
            batch.append(row)
            if len(batch) >= CHUNK:
                SmsRecipient.objects.bulk_create(batch)
                batch = []
        SmsRecipient.objects.bulk_create(batch)
        _count(campaign)
        if campaign.recipients_valid == 0:
            raise CampaignInvalid("没有可以接收短信的收件人（没有有效手机号）")
        audit_record(
            actor=actor,
            action="messaging.sms_campaign_create",
            target=campaign,
            summary=f"创建短信群发「{campaign.title}」：{campaign.recipients_valid} 人，{campaign.segments_total} 条",
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
