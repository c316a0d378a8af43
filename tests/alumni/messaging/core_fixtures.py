"""Fixtures for the core messaging tests (send, channels, providers, notices).

Imported explicitly by those test modules (``from tests.alumni.messaging.core_fixtures import …``)
so they do not collide with other messaging tests' fixtures.
"""

from __future__ import annotations

import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core.cache import cache

from alumni.messaging.channels.email import close_connection
from alumni.messaging.models import MessageLog, MessagingSettings, Notice, SmsUsage, Unsubscribe
from tests.alumni.messaging.sms_standin import SmsStandIn
from tests.alumni.messaging.wechat_message_standin import WeChatMessageStandIn
from tests.conftest import inside

PASSWORD = "Xiaoyou-2024!"


def clean_messaging(school) -> None:
    """Tenant tables survive between tests that commit (transactional ones): start empty."""
    with inside(school):
        Notice.objects.all().delete()
        MessageLog.objects.all().delete()
        Unsubscribe.objects.all().delete()
        SmsUsage.objects.all().delete()
        MessagingSettings.objects.all().delete()


def make_user(school, *, name="张校友", phone=None, email="", username=None, superuser=False):
    with inside(school):
        user = get_user_model()(username=username or phone or email, name=name, phone=phone, email=email)
        user.is_superuser = superuser
        user.set_password(PASSWORD)
        user.save()
        return user


def configure_sms(school, **values) -> MessagingSettings:
    with inside(school):
        config = MessagingSettings.base_queryset().first() or MessagingSettings()
        for key, value in values.items():
            setattr(config, key, value)
        config.save()
        return config


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # WeChat access tokens are cached per school
    yield
    cache.clear()
    close_connection()


@pytest.fixture
def outbox_dir(tmp_path, settings):
    settings.SMS_OUTBOX_DIR = tmp_path / "sms-outbox"
    return settings.SMS_OUTBOX_DIR


# --- SMTP: a real aiosmtpd server on loopback ----------------------------------------------------
class RecordingHandler:
    """Keeps every message; refuses RCPT for addresses in ``refuse`` with 550 (a hard bounce)."""

    def __init__(self):
        self.messages: list[dict] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(
                {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.original_content}
            )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_USE_TLS = "", "", False
    close_connection()
    yield handler
    close_connection()
    controller.stop()


# --- SMS and WeChat stand-ins ------------------------------------------------------------------
@pytest.fixture(scope="session")
def sms_standin_server():
    server = SmsStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def sms_standin(sms_standin_server, settings):
    sms_standin_server.reset()
    settings.ALIYUN_SMS_BASE_URL = sms_standin_server.url
    settings.TENCENT_SMS_BASE_URL = sms_standin_server.url
    return sms_standin_server


@pytest.fixture(scope="session")
def wechat_message_server():
    server = WeChatMessageStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def wechat_messages(wechat_message_server, settings):
    wechat_message_server.reset()
    settings.WECHAT_API_BASE_URL = wechat_message_server.url
    settings.WECHAT_OPEN_BASE_URL = wechat_message_server.url
    return wechat_message_server


def login(client, school, user):
    """Log a test client in (the session and last_login live in the school's schema)."""
    with inside(school):
        client.force_login(user)
    return client
