"""E-mail through Django's e-mail backend (settings.EMAIL_BACKEND; SMTP in production).

One SMTP connection is kept per worker thread and reused across messages (a campaign of 100,000
would otherwise pay a TCP + SMTP handshake each); a dropped connection is reopened once.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import threading
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import connection as db_connection
from django.utils.html import strip_tags

from alumni.messaging.channels.base import (
    ChannelBackend,
    DeliveryFailed,
    DeliveryRetry,
    current_school,
    messaging_settings,
)
from alumni.messaging.errors import AddressInvalid

_local = threading.local()


def _connection_key() -> tuple:
    return (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER)


def _connection(fresh: bool = False):
    """This thread's open e-mail connection (reopened when the settings changed or it broke)."""
    key = _connection_key()
    cached = getattr(_local, "connection", None)
    if cached is not None and (fresh or _local.key != key):
        # A broken connection may fail to close; it is discarded anyway.
        with contextlib.suppress(Exception):
            cached.close()
        cached = None
    if cached is None:
        cached = get_connection(fail_silently=False)
        cached.open()
        _local.connection, _local.key = cached, key
    return cached


def close_connection() -> None:
    """Close this thread's connection (tests, worker shutdown)."""
    cached = getattr(_local, "connection", None)
    if cached is not None:
        try:
            cached.close()
        finally:
            _local.connection = None


def sender_address() -> str:
    """``学校校友会 <noreply@…>``: the school's chosen name on the platform's sending address."""
    config = messaging_settings()
    school = current_school()
    name = config.email_from_name or getattr(school, "name", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[0]
    return display_address(name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])


def display_address(name: str, address: str) -> str:
    """``张三 <a@b.cn>`` (Django encodes the name in the header); characters that would break
    the address syntax are dropped from the name."""
    name = re.sub(r'[<>",;:@\\\r\n]', "", name or "").strip()
    return f"{name} <{address}>" if name else address


class EmailChannel(ChannelBackend):
    channel = "email"
    missing_address = "没有邮箱地址"

    def address(self, recipient) -> str:
        return (recipient.email or "").strip()

    def normalize(self, address: str) -> str:
        address = address.strip()
        try:
            validate_email(address)
        except ValidationError as exc:
            raise AddressInvalid(f"邮箱地址格式不正确：{address}") from exc
        local, _, domain = address.rpartition("@")
        return f"{local}@{domain.lower()}"

    def build(self, log) -> EmailMultiAlternatives:
        payload = log.payload or {}
        html = payload.get("html", "")
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        headers = {
            "Message-ID": make_msgid(idstring=f"log{log.pk}", domain=domain),
            # Lets a bounce or a complaint be traced back to this log row and school.
            "X-Alumni-Log": f"{db_connection.schema_name}:{log.pk}",
        }
        if payload.get("unsubscribe_url"):
            headers["List-Unsubscribe"] = f"<{payload['unsubscribe_url']}>"
        if payload.get("marketing"):
            headers["Precedence"] = "bulk"
        reply_to = messaging_settings().email_reply_to
        message = EmailMultiAlternatives(
            subject=log.subject,
            body=log.body or strip_tags(html),
            from_email=sender_address(),
            to=[display_address(log.name, log.address)],
            headers=headers,
            reply_to=[reply_to] if reply_to else None,
        )
        if html:
            message.attach_alternative(html, "text/html")
        return message

    def deliver(self, log) -> str:
        message = self.build(log)
        for attempt in (1, 2):
            try:
                message.connection = _connection(fresh=attempt == 2)
                message.send()
                return message.extra_headers["Message-ID"]
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                if 400 <= code < 500:
                    raise DeliveryRetry(f"收件服务器暂时拒收（{code}）") from exc
                raise DeliveryFailed(f"收件地址被拒收（{code} {_text(text)}）", bounced=True) from exc
            except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                if 400 <= exc.smtp_code < 500:
                    raise DeliveryRetry(f"邮件服务器暂时拒绝（{exc.smtp_code}）") from exc
                raise DeliveryFailed(f"邮件服务器拒绝（{exc.smtp_code} {_text(exc.smtp_error)}）") from exc
            except (ConnectionRefusedError, smtplib.SMTPConnectError, TimeoutError) as exc:
                close_connection()
                raise DeliveryRetry(f"无法连接邮件服务器：{exc}") from exc
            except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
                if attempt == 1:
                    continue  # a kept connection the server closed: reopen once
                raise DeliveryRetry(f"邮件服务器连接中断：{exc}") from exc
            except (smtplib.SMTPException, OSError) as exc:
                close_connection()
                raise DeliveryRetry(f"无法连接邮件服务器：{exc.__class__.__name__}") from exc
        raise DeliveryRetry("邮件服务器连接中断")


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)[:200]
