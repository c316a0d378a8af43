"""One way to reach a person: message_send logs per channel, message_deliver sends one log.

message_send decides per channel whether the message may go (address valid, not unsubscribed,
channel configured, SMS quota) and writes one MessageLog each: ``queued`` or ``skipped`` with the
reason. The unique (channel, idempotency_key) makes a repeated call (a retried task, a campaign
restarted after its worker died) return the logs already written instead of sending again.
message_deliver hands one queued log to its channel under a row lock (skip_locked), so two
workers never deliver the same log; a log already sent is returned untouched.

SMS quota: a campaign (``campaign=`` given) reserves its whole quota up front with
sms_quota_reserve, so message_send does not reserve again; any other SMS is reserved here, one
billed segment count per log, before it is queued (QuotaExhausted and nothing logged when the
year's quota is used up). Quota reserved here is given back when the log is skipped or fails.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from alumni.messaging.channels import DeliveryFailed, DeliveryRetry, backend_for
from alumni.messaging.channels.base import messaging_settings
from alumni.messaging.errors import AddressInvalid
from alumni.messaging.message import Message, Recipient
from alumni.messaging.models import Channel, MessageLog, Unsubscribe
from alumni.messaging.services.quota import sms_quota_release, sms_quota_reserve
from alumni.messaging.sms_length import sms_segments, with_signature

__all__ = ["Message", "Recipient", "message_deliver", "message_send", "sms_quota_reserve"]

logger = logging.getLogger(__name__)

DELIVER_MODES = ("async", "now", "never")
MAX_ATTEMPTS = 4  # temporary failures are retried; the 4th failed attempt is final
SKIP_UNSUBSCRIBED = "收件人已退订此类消息"


def _auto_channels(recipient: Recipient, message: Message) -> list[str]:
    """In-app with an account; WeChat when bound and a template exists; e-mail with an address.

    SMS is never picked automatically: it costs money and needs an approved template.
    """
    chosen = []
    if recipient.user_id:
        chosen.append(Channel.INAPP.value)
    if recipient.wechat_openid and (
        message.wechat_template_id or messaging_settings().wechat_template_for(message.purpose)
    ):
        chosen.append(Channel.WECHAT.value)
    if recipient.email:
        chosen.append(Channel.EMAIL.value)
    return chosen


def _unsubscribed(channel: str, address: str, purpose: str) -> bool:
    return Unsubscribe.objects.filter(channel=channel, address=address, purpose__in=[purpose, ""]).exists()


def _payload(channel: str, message: Message, backend) -> dict:
    payload: dict = {"url": message.url, "marketing": message.marketing}
    if channel == Channel.EMAIL:
        payload.update(html=message.html, unsubscribe_url=message.unsubscribe_url)
    elif channel == Channel.SMS:
        payload.update(sms_template=message.sms_template, sms_params=dict(message.sms_params))
    elif channel == Channel.WECHAT:
        payload.update(
            wechat_template_id=backend.template_for(message), wechat_data=dict(message.wechat_data)
        )
    elif channel == Channel.MINIPROGRAM:
        payload.update(wechat_template_id=message.wechat_template_id, wechat_data=dict(message.wechat_data))
    return {key: value for key, value in payload.items() if value not in ("", None, {}, False)}


def _sms_segments(message: Message) -> int:
    signed = with_signature(messaging_settings().sms_sign_name, message.text)
    return max(1, sms_segments(signed))


def _create_log(
    *,
    channel: str,
    recipient: Recipient,
    message: Message,
    idempotency_key: str | None,
    campaign: tuple[str, int] | None,
    quota_by_caller: bool,
) -> MessageLog:
    backend = backend_for(channel)
    status, error, address = MessageLog.Status.QUEUED, "", backend.address(recipient)
    if not address:
        status, error = MessageLog.Status.SKIPPED, backend.missing_address
    else:
        try:
            address = backend.normalize(address)
        except AddressInvalid as exc:
            status, error = MessageLog.Status.SKIPPED, exc.message
    if (
        status == MessageLog.Status.QUEUED
        and message.marketing
        and _unsubscribed(channel, address, message.purpose)
    ):
        status, error = MessageLog.Status.SKIPPED, SKIP_UNSUBSCRIBED
    if status == MessageLog.Status.QUEUED:
        reason = backend.unavailable_reason(message)
        if reason:
            status, error = MessageLog.Status.SKIPPED, reason
    payload = _payload(channel, message, backend)
    reserve = channel == Channel.SMS and status == MessageLog.Status.QUEUED and not quota_by_caller
    if reserve:
        payload["quota_held"] = _sms_segments(message)
    log = MessageLog(
        channel=channel,
        purpose=message.purpose[:40],
        status=status,
        error=error[:500],
        person_id=recipient.person_id,
        user_id=recipient.user_id,
        name=(recipient.name or "")[:60],
        address=address[:254],
        subject=message.subject[:200],
        body=message.text,
        payload=payload,
        idempotency_key=idempotency_key,
        campaign_type=campaign[0] if campaign else "",
        campaign_id=campaign[1] if campaign else None,
    )
    with transaction.atomic():  # a savepoint: a duplicate key must not spoil the outer transaction
        log.save()
    if reserve:
        # After the insert, so a duplicate key (returned as the existing log) reserves nothing;
        # QuotaExhausted rolls the whole message_send back: nothing logged, nothing sent.
        usage = sms_quota_reserve(count=payload["quota_held"])
        log.payload["quota_year"] = usage.year
        MessageLog.objects.filter(pk=log.pk).update(payload=log.payload)
    return log


def message_send(
    *,
    recipient: Recipient,
    message: Message,
    channels: list[str] | None = None,
    idempotency_key: str | None = None,
    campaign: tuple[str, int] | None = None,
    deliver: str = "async",
    quota_reserved: bool | None = None,
) -> list[MessageLog]:
    """Log (and queue, or deliver) one message to one recipient over the chosen channels."""
    if deliver not in DELIVER_MODES:
        raise ValueError(f"deliver must be one of {DELIVER_MODES}")
    chosen = list(dict.fromkeys(channels)) if channels is not None else _auto_channels(recipient, message)
    unknown = set(chosen) - set(Channel.values)
    if unknown:
        raise ValueError(f"unknown channel(s): {', '.join(sorted(unknown))}")
    quota_by_caller = campaign is not None if quota_reserved is None else quota_reserved
    logs: list[MessageLog] = []
    with transaction.atomic():
        for channel in chosen:
            existing = (
                MessageLog.objects.filter(channel=channel, idempotency_key=idempotency_key).first()
                if idempotency_key
                else None
            )
            if existing is None:
                try:
                    existing = _create_log(
                        channel=channel,
                        recipient=recipient,
                        message=message,
                        idempotency_key=idempotency_key,
                        campaign=campaign,
                        quota_by_caller=quota_by_caller,
                    )
                except IntegrityError:
                    # Another call with the same key won the race: its log is the one.
                    existing = MessageLog.objects.filter(
                        channel=channel, idempotency_key=idempotency_key
                    ).first()
                    if existing is None:
                        raise
            logs.append(existing)
        queued = [log.pk for log in logs if log.status == MessageLog.Status.QUEUED]
        if deliver == "async" and queued:
            from tenants.tasks import send_after_commit

            for log_id in queued:
                send_after_commit("messaging.deliver", log_id)
    if deliver == "now" and queued:
        return [message_deliver(log_id=log.pk) if log.pk in queued else log for log in logs]
    return logs


def message_deliver(*, log_id: int) -> MessageLog:
    """Send one queued log over its channel; a log already sent is not sent again."""
    with transaction.atomic():
        log = MessageLog.objects.select_for_update(skip_locked=True).filter(pk=log_id).first()
        if log is None:  # another worker holds it right now (or it does not exist: DoesNotExist)
            return MessageLog.objects.get(pk=log_id)
        if log.status != MessageLog.Status.QUEUED:
            return log
        log.attempts += 1
        try:
            log.provider_message_id = (backend_for(log.channel).deliver(log) or "")[:120]
        except DeliveryFailed as exc:
            log.status = MessageLog.Status.BOUNCED if exc.bounced else MessageLog.Status.FAILED
            log.error = exc.reason[:500]
        except DeliveryRetry as exc:
            log.error = exc.reason[:500]
            if log.attempts >= MAX_ATTEMPTS:
                log.status = MessageLog.Status.FAILED
        except Exception as exc:  # a bug or an unexpected answer: record it, never leave it looping
            logger.exception("Delivering message log %s failed", log_id)
            log.status, log.error = MessageLog.Status.FAILED, f"内部错误：{exc.__class__.__name__}"
        else:
            log.status, log.error, log.sent_at = MessageLog.Status.SENT, "", timezone.now()
        if log.status in (MessageLog.Status.FAILED, MessageLog.Status.BOUNCED) and log.payload.get(
            "quota_held"
        ):
            sms_quota_release(count=log.payload["quota_held"], year=log.payload.get("quota_year"))
            log.payload["quota_released"] = log.payload.pop("quota_held")
        log.save(update_fields=["status", "error", "attempts", "provider_message_id", "sent_at", "payload"])
    return log
