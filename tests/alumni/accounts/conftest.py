"""Fixtures for account tests: users in a school, WeChat settings, the WeChat API stand-in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from alumni.accounts.models import WeChatSettings
from tests.alumni.accounts.wechat_standin import WeChatStandIn
from tests.conftest import inside

PASSWORD = "Xiaoyou-2024!"
# Realistic-looking credentials (wx + 16 characters, 32-character secrets).
OFFICIAL_A = ("wx1a2b3c4d5e6f7a8b", "0123456789abcdef0123456789abcdef")
MINI_A = ("wx9f8e7d6c5b4a3f2e", "fedcba9876543210fedcba9876543210")
OFFICIAL_B = ("wx0b0b0b0b0b0b0b0b", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
MINI_B = ("wx0c0c0c0c0c0c0c0c", "cccccccccccccccccccccccccccccccc")
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters and cached WeChat access tokens must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def wechat_standin_server():
    server = WeChatStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def wechat(wechat_standin_server, settings):
    """The WeChat stand-in, with settings pointing wechatpy at it and a clean state."""
    wechat_standin_server.reset()
    settings.WECHAT_API_BASE_URL = wechat_standin_server.url
    settings.WECHAT_OPEN_BASE_URL = wechat_standin_server.url
    return wechat_standin_server


def configure_wechat(school, *, official=None, mini=None, standin: WeChatStandIn | None = None) -> None:
    """Save a school's WeChat settings (and register the apps with the stand-in)."""
    with inside(school):
        config = WeChatSettings.base_queryset().first() or WeChatSettings()
        if official:
            config.official_app_id, config.official_app_secret = official
        if mini:
            config.miniprogram_app_id, config.miniprogram_app_secret = mini
        config.save()
    for pair in (official, mini):
        if pair and standin is not None:
            standin.add_app(*pair)


def make_user(school, *, name="张校友", phone=None, email="", username=None, password=PASSWORD, **extra):
    with inside(school):
        user = get_user_model()(
            username=username or phone or email, name=name, phone=phone, email=email, **extra
        )
        user.set_password(password)
        user.save()
        return user
