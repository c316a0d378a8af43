# ruff: noqa: S608 -- table names come from model meta; every value is a parameter.
"""E-mail campaigns: build the list, edit, test, schedule, and send in crash-safe batches.

Sending (``campaign_send_batch``), per recipient, never twice:

1. Claim: one ``UPDATE … WHERE status='pending' … FOR UPDATE SKIP LOCKED RETURNING`` moves a
   batch to ``sending``; in the SAME transaction each gets its MessageLog (status queued,
   idempotency key ``campaign:<id>:<recipient id>``, unique per channel). Two workers never
   claim the same row.
2. Deliver over one SMTP connection for the whole batch. For each message the envelope and
   the body go out first; then ``UPDATE log SET status='sent' WHERE id=… AND status='queued'``
   commits (the *handover*); only then the final ``.`` that makes the server accept the
   message is written. The conditional update is the lock: whoever flips the log owns the send.
3. After the batch, recipients take their logs' outcome in one UPDATE; counters are refreshed.

A worker killed before the handover leaves a queued log: the server saw no final ``.`` and
dropped the message, so the recipient goes back to pending and is sent later. Killed after the
handover, the log says sent and nothing is sent again. The one gap: killed between the commit
and writing ``.`` (a few microseconds) — the recipient is counted as sent but gets nothing.
That is the at-most-once choice (docs/messaging.md, 邮件群发): a duplicate mass e-mail is worse
for an alumni office than one rare missing copy.
"""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.messaging.errors import CampaignInvalid
from alumni.messaging.models import (
    CampaignRecipient,
    Channel,
    EmailCampaign,
    EmailTemplate,
    MessageLog,
    Unsubscribe,
)
from alumni.messaging.models.campaigns import BUILTIN_TEMPLATES
from alumni.messaging.recipient_sources import recipient_source, resolve_rows
from alumni.messaging.selectors.campaigns import (
    CampaignRenderer,
    campaign_renderer,
    campaign_status_counts,
    campaign_unknown_placeholders,
)

PURPOSE = "campaign"
BATCH = 200
INSERT_CHUNK = 2000
STALE_SECONDS = 120  # a claim older than this with no outcome is looked at again
Status = CampaignRecipient.Status
CStatus = EmailCampaign.Status


# --- editing ----------------------------------------------------------------------------------


def _editable(campaign: EmailCampaign) -> None:
    if campaign.status not in (CStatus.DRAFT, CStatus.SCHEDULED):
        raise CampaignInvalid("群发已开始或已结束，不能再修改")


def campaign_create(*, actor, name: str) -> EmailCampaign:
    """Start a draft campaign."""
    name = (name or "").strip() or timezone.localtime().strftime("邮件群发 %Y-%m-%d %H:%M")
    with transaction.atomic():
        campaign = EmailCampaign.objects.create(name=name[:100], created_by=actor)
        audit_record(
            actor=actor, action="messaging.campaign_create", target=campaign, summary=f"新建邮件群发：{name}"
        )
    return campaign


def _unsubscribed_addresses(addresses: list[str]) -> set[str]:
    lowered = [a.lower() for a in addresses]
    rows = Unsubscribe.objects.filter(
        Q(address__in=addresses) | Q(address__in=lowered), channel=Channel.EMAIL, purpose__in=["", PURPOSE]
    ).values_list("address", flat=True)
    return {a.lower() for a in rows}


def campaign_set_recipients(*, campaign: EmailCampaign, actor, source: str, params: dict) -> dict[str, int]:
    """Build the recipient list from a source; returns counts by status (invalid, unsubscribed …)."""
    _editable(campaign)
    chosen = recipient_source(source)
    with transaction.atomic():
        campaign.recipients.all().delete()
        unsubscribed = {
            a.lower()
            for a in Unsubscribe.objects.filter(channel=Channel.EMAIL, purpose__in=["", PURPOSE]).values_list(
                "address", flat=True
            )
        }
        seen: set[str] = set()
        chunk: list[CampaignRecipient] = []
        duplicates = 0
        for row in resolve_rows(source, params):
            email = (row.email or "").strip()
            status, error = Status.PENDING, ""
            if not email:
                status, error = Status.INVALID, "没有邮箱"
            else:
                try:
                    validate_email(email)
                except ValidationError:
                    status, error = Status.INVALID, "邮箱格式不正确"
                if email.lower() in seen:
                    duplicates += 1  # the same address once per campaign
                    continue
                seen.add(email.lower())
                if status == Status.PENDING and email.lower() in unsubscribed:
                    status, error = Status.UNSUBSCRIBED, "已退订"
            chunk.append(
                CampaignRecipient(
                    campaign=campaign,
                    person_id=row.person_id,
                    name=(row.name or "")[:60],
                    email=email[:254],
                    context=row.context,
                    status=status,
                    error=error,
                )
            )
            if len(chunk) >= INSERT_CHUNK:
                CampaignRecipient.objects.bulk_create(chunk)
                chunk = []
        CampaignRecipient.objects.bulk_create(chunk)
        campaign.source = source
        campaign.source_params = params
        campaign.source_label = chosen.description(params)[:200]
        campaign.save(update_fields=["source", "source_params", "source_label", "updated_at"])
        _refresh_counts(campaign)
        audit_record(
            actor=actor,
            action="messaging.campaign_recipients",
            target=campaign,
            summary=f"设置收件人：{campaign.source_label}（{campaign.total} 人）",
        )
    counts = campaign_status_counts(campaign)
    counts["duplicates"] = duplicates
    return counts


def campaign_set_template(
    *, campaign: EmailCampaign, actor, builtin: str = "", custom_template: EmailTemplate | None = None
) -> EmailCampaign:
    """Choose a built-in layout or one of the school's own."""
    _editable(campaign)
    if custom_template is None and builtin not in BUILTIN_TEMPLATES:
        raise CampaignInvalid("请选择一个模板", field="template")
    campaign.builtin_template = "" if custom_template else builtin
    campaign.custom_template = custom_template
    campaign.save(update_fields=["builtin_template", "custom_template", "updated_at"])
    return campaign


def email_template_create(*, actor, name: str, html: str) -> EmailTemplate:
    """Save a layout the school wrote (HTML with {{正文}})."""
    if not (name or "").strip() or not (html or "").strip():
        raise CampaignInvalid("请填写模板名称和 HTML")
    with transaction.atomic():
        template = EmailTemplate.objects.create(name=name.strip()[:60], html=html, created_by=actor)
        audit_record(
            actor=actor,
            action="messaging.email_template_create",
            target=template,
            summary=f"新建邮件模板：{name}",
        )
    return template


def campaign_set_content(*, campaign: EmailCampaign, actor, name: str, subject: str, body: str) -> list[str]:
    """Save subject and content; returns the unknown placeholders (sending is refused until fixed)."""
    _editable(campaign)
    campaign.name = (name or campaign.name).strip()[:100]
    campaign.subject = (subject or "").strip()[:200]
    campaign.body = body or ""
    campaign.save(update_fields=["name", "subject", "body", "updated_at"])
    return campaign_unknown_placeholders(campaign)


def _check_ready(campaign: EmailCampaign) -> None:
    if not campaign.subject or not campaign.body.strip():
        raise CampaignInvalid("请先填写邮件标题和正文")
    if unknown := campaign_unknown_placeholders(campaign):
        raise CampaignInvalid("有无法识别的占位符：" + "、".join(f"{{{{{n}}}}}" for n in unknown))
    if not campaign.recipients.filter(status=Status.PENDING).exists():
        raise CampaignInvalid("没有可发送的收件人")


def campaign_send_test(
    *, campaign: EmailCampaign, actor, recipient: CampaignRecipient | None = None
) -> MessageLog:
    """Send the e-mail as `recipient` would see it to the admin's own address."""
    from alumni.messaging.services.send import Message, Recipient, message_send

    email = getattr(actor, "email", "")
    if not email:
        raise CampaignInvalid("您的账号没有邮箱，无法发送测试邮件")
    renderer = campaign_renderer(campaign)
    context = recipient.context if recipient else {}
    subject, html, text = renderer.render(context, None)
    logs = message_send(
        recipient=Recipient(name=getattr(actor, "name", ""), email=email, user_id=actor.pk),
        message=Message(purpose="campaign_test", subject=f"[测试] {subject}", text=text, html=html),
        channels=[Channel.EMAIL],
        deliver="now",
    )
    return logs[0]


# --- starting, scheduling, cancelling ---------------------------------------------------------


def campaign_schedule(
    *, campaign: EmailCampaign, actor, when: datetime | None, throttle_per_minute: int = 0
) -> EmailCampaign:
    """Send now (when=None) or at `when`; throttle in messages per minute (0: as fast as possible)."""
    _editable(campaign)
    _check_ready(campaign)
    if throttle_per_minute < 0:
        raise CampaignInvalid("限速不能为负数", field="throttle_per_minute")
    now = timezone.now()
    if when is not None and when <= now:
        raise CampaignInvalid("定时发送的时间应晚于现在", field="scheduled_at")
    with transaction.atomic():
        campaign = EmailCampaign.objects.select_for_update().get(pk=campaign.pk)
        _editable(campaign)
        campaign.throttle_per_minute = throttle_per_minute
        campaign.scheduled_at = when
        campaign.status = CStatus.SCHEDULED if when else CStatus.SENDING
        if not when:
            campaign.started_at = campaign.heartbeat_at = now
        campaign.save()
        audit_record(
            actor=actor,
            action="messaging.campaign_schedule" if when else "messaging.campaign_start",
            target=campaign,
            summary=(f"定时发送：{timezone.localtime(when):%Y-%m-%d %H:%M}" if when else "立即发送")
            + f"，{campaign.total} 人",
        )
        if not when:
            _launch(campaign)
    return campaign


def _launch(campaign: EmailCampaign) -> None:
    from tenants.tasks import send_after_commit

    parallel = max(1, int(getattr(settings, "EMAIL_CAMPAIGN_PARALLEL", 1)))
    for _ in range(1 if campaign.throttle_per_minute else parallel):
        send_after_commit("alumni.messaging.tasks.email_campaign_send", campaign.pk)


def campaign_cancel(*, campaign: EmailCampaign, actor) -> EmailCampaign:
    """Stop a scheduled or running campaign; what was sent stays sent, the rest is not sent."""
    with transaction.atomic():
        campaign = EmailCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status not in (CStatus.SCHEDULED, CStatus.SENDING):
            raise CampaignInvalid("只能取消定时或发送中的群发")
        campaign.status = CStatus.CANCELLED
        campaign.finished_at = timezone.now()
        campaign.save(update_fields=["status", "finished_at", "updated_at"])
        audit_record(actor=actor, action="messaging.campaign_cancel", target=campaign, summary="取消群发")
    return campaign


def campaigns_start_due(*, stale_seconds: int = STALE_SECONDS) -> list[int]:
    """Start scheduled campaigns whose time has come; resume running ones whose worker went quiet."""
    now = timezone.now()
    started = []
    with transaction.atomic():
        for campaign in EmailCampaign.objects.select_for_update(skip_locked=True).filter(
            status=CStatus.SCHEDULED, scheduled_at__lte=now
        ):
            campaign.status = CStatus.SENDING
            campaign.started_at = campaign.heartbeat_at = now
            campaign.save(update_fields=["status", "started_at", "heartbeat_at", "updated_at"])
            _launch(campaign)
            started.append(campaign.pk)
        quiet = now - timedelta(seconds=stale_seconds)
        for campaign in EmailCampaign.objects.select_for_update(skip_locked=True).filter(
            Q(heartbeat_at__lt=quiet) | Q(heartbeat_at__isnull=True), status=CStatus.SENDING
        ):
            campaign_recover_stale(campaign=campaign, older_than=stale_seconds)
            campaign.heartbeat_at = now
            campaign.save(update_fields=["heartbeat_at", "updated_at"])
            _launch(campaign)
            started.append(campaign.pk)
    return started


# --- sending ---------------------------------------------------------------------------------

_TABLES = {
    "r": CampaignRecipient._meta.db_table,
    "l": MessageLog._meta.db_table,
}

_SETTLE_SQL = """
    UPDATE {r} AS r SET
        status = CASE WHEN l.status = 'failed' THEN 'failed' ELSE 'sent' END,
        sent_at = l.sent_at, error = LEFT(l.error, 300)
    FROM {l} AS l
    WHERE r.log_id = l.id AND r.campaign_id = %s AND r.status = 'sending'
      AND l.status IN ('sent', 'opened', 'failed') {extra}
"""


def _settle(campaign_id: int, *, ids: list[int] | None = None, older_than: datetime | None = None) -> int:
    """Recipients in 'sending' take the outcome their log already has."""
    extra, params = "", [campaign_id]
    if ids is not None:
        extra, params = "AND r.id = ANY(%s)", [campaign_id, ids]
    elif older_than is not None:
        extra, params = "AND r.claimed_at < %s", [campaign_id, older_than]
    with connection.cursor() as cursor:
        cursor.execute(_SETTLE_SQL.format(extra=extra, **_TABLES), params)
        return cursor.rowcount


def campaign_recover_stale(*, campaign: EmailCampaign, older_than: int = STALE_SECONDS) -> int:
    """Claims a dead worker left behind: settle from their logs, or put back to pending.

    Putting back is safe even if the first worker is only slow: its handover update finds the
    log no longer queued (or the second worker's fails), so only one of them sends.
    """
    limit = timezone.now() - timedelta(seconds=older_than)
    with transaction.atomic():
        _settle(campaign.pk, older_than=limit)
        return CampaignRecipient.objects.filter(
            campaign=campaign, status=Status.SENDING, claimed_at__lt=limit
        ).update(status=Status.PENDING, claimed_at=None)


def _claim(campaign: EmailCampaign, size: int, renderer: CampaignRenderer) -> list[CampaignRecipient]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE {r} SET status = 'sending', claimed_at = now()
            WHERE id IN (
                SELECT id FROM {r} WHERE campaign_id = %s AND status = 'pending'
                ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
            )
            RETURNING id
            """.format(**_TABLES),
            [campaign.pk, size],
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return []
        claimed = list(CampaignRecipient.objects.filter(pk__in=ids).order_by("pk"))
        # Someone may have unsubscribed since the list was built.
        gone = _unsubscribed_addresses([r.email for r in claimed])
        if gone:
            CampaignRecipient.objects.filter(
                pk__in=[r.pk for r in claimed if r.email.lower() in gone]
            ).update(status=Status.UNSUBSCRIBED, error="已退订", claimed_at=None)
            claimed = [r for r in claimed if r.email.lower() not in gone]
        keys = {f"campaign:{campaign.pk}:{r.pk}": r for r in claimed}
        MessageLog.objects.bulk_create(
            [
                MessageLog(
                    channel=Channel.EMAIL,
                    purpose=PURPOSE,
                    person_id=r.person_id,
                    name=r.name,
                    address=r.email,
                    subject=renderer.render(r.context, None)[0][:200],
                    idempotency_key=key,
                    campaign_type="email",
                    campaign_id=campaign.pk,
                )
                for key, r in keys.items()
            ],
            ignore_conflicts=True,  # a log from an earlier claim of the same recipient is kept
        )
        logs = MessageLog.objects.filter(channel=Channel.EMAIL, idempotency_key__in=list(keys)).only(
            "pk", "status", "idempotency_key"
        )
        for log in logs:
            keys[log.idempotency_key].log = log
        CampaignRecipient.objects.bulk_update(claimed, ["log"])
    return claimed


def _handover(log_id: int) -> bool:
    """Commit 'sent' before the server may accept the message; False if someone else did."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLES['l']} SET status = 'sent', sent_at = now(), attempts = attempts + 1 "
            "WHERE id = %s AND status = 'queued'",
            [log_id],
        )
        return cursor.rowcount == 1


def _fail(log_id: int, error: str, *, after_handover: bool = False) -> None:
    MessageLog.objects.filter(
        pk=log_id, status=MessageLog.Status.SENT if after_handover else MessageLog.Status.QUEUED
    ).update(status=MessageLog.Status.FAILED, error=error[:500])


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _smtp_send(backend: SmtpBackend, message: EmailMultiAlternatives, log_id: int) -> None:
    """SMTP by hand so the handover commit falls between the body and the final dot."""
    smtp = backend.connection
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(message.from_email, encoding)
    rcpt = sanitize_address(message.to[0], encoding)
    data = message.message().as_bytes(linesep="\r\n")
    # The body and the final dot are two small writes with a commit between: without NODELAY,
    # Nagle's algorithm holds the dot until the server's delayed ACK (~40 ms a message).
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    smtp.ehlo_or_helo_if_needed()  # servers answer 503 to MAIL before EHLO (sendmail() does this too)
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        _fail(log_id, f"MAIL FROM {code} {reply.decode(errors='replace')}")
        return
    code, reply = smtp.rcpt(rcpt)
    if code not in (250, 251):
        smtp.rset()
        _fail(log_id, f"RCPT {code} {reply.decode(errors='replace')}")  # e.g. 550 no such user
        return
    code, reply = smtp.docmd("DATA")
    if code != 354:
        smtp.rset()
        _fail(log_id, f"DATA {code} {reply.decode(errors='replace')}")
        return
    body = _LEADING_DOT.sub(b"..", data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body)
    if not _handover(log_id):
        # Another worker owns this recipient: drop the connection without the final dot (the
        # server discards the unfinished message) and start a fresh one.
        smtp.close()
        backend.connection = None
        backend.open()
        return
    smtp.send(b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        _fail(log_id, f"{code} {reply.decode(errors='replace')}", after_handover=True)


def _from_email() -> str:
    from email.utils import formataddr, parseaddr

    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    school = getattr(connection.tenant, "name", "") or name
    return formataddr((f"{school}校友会" if school else name, address))


def _build(campaign, recipient, renderer, from_email, domain) -> EmailMultiAlternatives:
    subject, html, text = renderer.render(recipient.context, recipient.pk)
    unsubscribe_url, _pixel = renderer.urls(recipient.pk)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email,
        to=[recipient.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # The same id for every attempt: mail systems that see it twice keep one.
            "Message-ID": f"<campaign.{campaign.pk}.{recipient.pk}.{connection.schema_name}@{domain}>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def campaign_send_batch(
    *, campaign: EmailCampaign, size: int = BATCH, renderer: CampaignRenderer | None = None
) -> int:
    """Claim and send one batch; returns how many recipients it took (0: nothing left)."""
    renderer = renderer or campaign_renderer(campaign)
    claimed = _claim(campaign, size, renderer)
    if not claimed:
        return 0
    from urllib.parse import urlparse

    domain = urlparse(renderer.base_url).hostname or "localhost"
    from_email = _from_email()
    backend = get_connection()
    smtp = isinstance(backend, SmtpBackend)
    backend.open()
    try:
        for recipient in claimed:
            if recipient.log.status != MessageLog.Status.QUEUED:
                continue  # sent (or failed) under an earlier claim: settled below, never re-sent
            message = _build(campaign, recipient, renderer, from_email, domain)
            if smtp:
                _smtp_send(backend, message, recipient.log.pk)
            elif _handover(recipient.log.pk):
                backend.send_messages([message])
    except Exception:
        # The connection broke before a handover: those logs are still queued, the claims go
        # back to pending and another batch sends them.
        _settle(campaign.pk, ids=[r.pk for r in claimed])
        CampaignRecipient.objects.filter(pk__in=[r.pk for r in claimed], status=Status.SENDING).update(
            status=Status.PENDING, claimed_at=None
        )
        raise
    finally:
        backend.close()
    _settle(campaign.pk, ids=[r.pk for r in claimed])
    return len(claimed)


def _refresh_counts(campaign: EmailCampaign) -> None:
    counts = campaign_status_counts(campaign)
    campaign.total = sum(counts.values())
    campaign.sent_count = counts[Status.SENT]
    campaign.failed_count = counts[Status.FAILED]
    campaign.invalid_count = counts[Status.INVALID]
    campaign.unsubscribed_count = counts[Status.UNSUBSCRIBED]
    campaign.opened_count = campaign.recipients.filter(opened_at__isnull=False).count()
    campaign.heartbeat_at = timezone.now()
    campaign.save(
        update_fields=[
            "total",
            "sent_count",
            "failed_count",
            "invalid_count",
            "unsubscribed_count",
            "opened_count",
            "heartbeat_at",
            "updated_at",
        ]
    )


def throttle_wait(*, sent: int, elapsed: float, per_minute: int) -> float:
    """Seconds to wait after sending `sent` messages in `elapsed` seconds to keep the rate."""
    if per_minute <= 0:
        return 0.0
    return max(0.0, sent * 60.0 / per_minute - elapsed)


def campaign_run(*, campaign_id: int, time_slice: float = 50.0) -> float | None:
    """Send batches for up to `time_slice` seconds; returns None when finished, else the delay
    (seconds) after which the task should continue."""
    campaign = EmailCampaign.objects.select_related("custom_template").get(pk=campaign_id)
    if campaign.status != CStatus.SENDING:
        return None
    renderer = campaign_renderer(campaign)
    size = min(BATCH, campaign.throttle_per_minute) if campaign.throttle_per_minute else BATCH
    started = time.monotonic()
    last_refresh = 0.0
    while True:
        batch_started = time.monotonic()
        taken = campaign_send_batch(campaign=campaign, size=size, renderer=renderer)
        status = EmailCampaign.objects.filter(pk=campaign_id).values_list("status", flat=True).first()
        if status != CStatus.SENDING:
            _refresh_counts(campaign)
            return None  # cancelled meanwhile
        if not taken:
            return _finish(campaign)
        if time.monotonic() - last_refresh > 1.0:
            _refresh_counts(campaign)
            last_refresh = time.monotonic()
        wait = throttle_wait(
            sent=taken, elapsed=time.monotonic() - batch_started, per_minute=campaign.throttle_per_minute
        )
        if time.monotonic() - started + wait > time_slice:
            _refresh_counts(campaign)
            return max(wait, 0.0)
        if wait:
            time.sleep(wait)


def _finish(campaign: EmailCampaign) -> float | None:
    with transaction.atomic():
        if CampaignRecipient.objects.filter(
            campaign=campaign, status__in=[Status.SENDING, Status.PENDING]
        ).exists():
            # Another worker is still on its batch (or died: the periodic job recovers it). Pending
            # counts too: rows another worker's uncommitted claim has locked look pending here
            # (our claim skipped them), and that worker finishes the campaign after its batch.
            _refresh_counts(campaign)
            return None
        EmailCampaign.objects.filter(pk=campaign.pk, status=CStatus.SENDING).update(
            status=CStatus.DONE, finished_at=timezone.now()
        )
        campaign.refresh_from_db()
        _refresh_counts(campaign)
    return None


# --- open tracking and unsubscribing (anonymous, by signed token) ----------------------------


def campaign_record_open(*, recipient_id: int) -> bool:
    """The pixel was loaded: mark the recipient and its log opened, once."""
    now = timezone.now()
    with transaction.atomic():
        updated = CampaignRecipient.objects.filter(pk=recipient_id, opened_at__isnull=True).update(
            opened_at=now
        )
        if not updated:
            return False
        log_id = CampaignRecipient.objects.filter(pk=recipient_id).values_list("log_id", flat=True).first()
        if log_id:
            MessageLog.objects.filter(pk=log_id, opened_at__isnull=True).update(
                opened_at=now, status=MessageLog.Status.OPENED
            )
        campaign_id = (
            CampaignRecipient.objects.filter(pk=recipient_id).values_list("campaign_id", flat=True).first()
        )
        EmailCampaign.objects.filter(pk=campaign_id).update(opened_count=F("opened_count") + 1)
    return True


def campaign_unsubscribe(*, recipient_id: int, reason: str = "") -> Unsubscribe | None:
    """The recipient asked for no more campaign e-mail: honoured from now on, for every campaign."""
    recipient = CampaignRecipient.objects.filter(pk=recipient_id).first()
    if recipient is None or not recipient.email:
        return None
    with transaction.atomic():
        row, _created = Unsubscribe.objects.get_or_create(
            channel=Channel.EMAIL,
            address=recipient.email.lower(),
            purpose="",
            defaults={"reason": (reason or f"群发邮件退订：{recipient.campaign.name}")[:200]},
        )
        CampaignRecipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        # Not yet sent in a running campaign: not sent at all.
        CampaignRecipient.objects.filter(email__iexact=recipient.email, status=Status.PENDING).update(
            status=Status.UNSUBSCRIBED, error="已退订"
        )
    return row
