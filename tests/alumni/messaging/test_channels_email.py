"""E-mail through a REAL SMTP server on loopback (aiosmtpd): headers, both parts, List-Unsubscribe,
hard bounces, and a server that is down."""

# Fixtures imported from core_fixtures are redefined as test parameters on purpose.
# ruff: noqa: F811

from __future__ import annotations

from email import message_from_bytes, policy

from alumni.messaging.models import MessageLog
from alumni.messaging.services.send import MAX_ATTEMPTS, Message, Recipient, message_deliver, message_send
from tests.alumni.messaging.core_fixtures import (  # noqa: F401  (fixtures)
    _fresh_cache,
    configure_sms,
    free_port,
    smtp_server,
)

CAMPAIGN = Message(
    purpose="campaign",
    subject="【校友杂志】第 3 期",
    text="张三校友：第 3 期校友杂志已出版。",
    html="<h1>校友杂志</h1><p>张三校友：第 3 期已出版。</p>",
    marketing=True,
    unsubscribe_url="https://alpha.example.cn/messages/unsubscribe/abc123/",
)


def test_email_over_real_smtp(in_school_a, smtp_server):
    configure_sms(in_school_a, email_from_name="阿尔法大学校友会", email_reply_to="alumni@alpha.edu.cn")
    [log] = message_send(
        recipient=Recipient(name="张三", email="zhang@example.com"),
        message=CAMPAIGN,
        channels=["email"],
        deliver="now",
    )
    assert log.status == MessageLog.Status.SENT, log.error
    [received] = smtp_server.messages
    assert received["to"] == ["zhang@example.com"]
    assert received["from"] == "noreply@alumni.cloud"
    email = message_from_bytes(received["data"], policy=policy.default)
    assert email["Subject"] == "【校友杂志】第 3 期"
    assert email["From"].addresses[0].display_name == "阿尔法大学校友会"
    assert email["To"].addresses[0].display_name == "张三"
    assert email["Reply-To"] == "alumni@alpha.edu.cn"
    assert email["List-Unsubscribe"] == "<https://alpha.example.cn/messages/unsubscribe/abc123/>"
    assert email["X-Alumni-Log"] == f"alpha:{log.pk}"
    assert email["Message-ID"] == log.provider_message_id
    assert email.get_body(("plain",)).get_content().strip() == CAMPAIGN.text
    assert "<h1>校友杂志</h1>" in email.get_body(("html",)).get_content()


def test_no_list_unsubscribe_without_url(in_school_a, smtp_server):
    message = Message(purpose="invite", subject="注册邀请", text="请点击链接注册。")
    message_send(
        recipient=Recipient(email="li@example.com"), message=message, channels=["email"], deliver="now"
    )
    email = message_from_bytes(smtp_server.messages[0]["data"], policy=policy.default)
    assert email["List-Unsubscribe"] is None
    assert email["From"].addresses[0].display_name == "阿尔法大学"  # the school's name by default
    assert email.get_body(("html",)) is None and not email.is_multipart()  # text only


def test_refused_recipient_is_bounced(in_school_a, smtp_server):
    smtp_server.refuse.add("nobody@example.com")
    [log] = message_send(
        recipient=Recipient(email="nobody@example.com"), message=CAMPAIGN, channels=["email"], deliver="now"
    )
    assert log.status == MessageLog.Status.BOUNCED
    assert "550" in log.error
    assert smtp_server.messages == []


def test_server_down_retries_then_fails(in_school_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    [log] = message_send(
        recipient=Recipient(email="wang@example.com"), message=CAMPAIGN, channels=["email"], deliver="now"
    )
    assert log.status == MessageLog.Status.QUEUED and log.attempts == 1
    assert "无法连接邮件服务器" in log.error
    for _ in range(MAX_ATTEMPTS - 1):
        log = message_deliver(log_id=log.pk)
    assert log.status == MessageLog.Status.FAILED and log.attempts == MAX_ATTEMPTS
