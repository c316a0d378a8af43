"""Calls to WeChat's servers through wechatpy, with base URLs taken from settings.

``settings.WECHAT_API_BASE_URL`` (api.weixin.qq.com) and ``settings.WECHAT_OPEN_BASE_URL``
(open.weixin.qq.com) replace wechatpy's hard-coded hosts, so tests can point them at a local
stand-in. No database access here: callers pass the credentials and store the results through
services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatException
from wechatpy.oauth import WeChatOAuth
from wechatpy.session import SessionStorage

from alumni.accounts.errors import WeChatFailed

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
# Human messages for the errors a visitor can actually cause; anything else is generic.
_ERRCODES = {
    40029: "微信登录凭证无效，请重新进入后再试",
    40163: "微信登录凭证已被使用，请重新进入后再试",
    40226: "该微信账号存在风险，暂时无法登录",
    45011: "微信登录过于频繁，请稍后再试",
    40125: "学校的微信 AppSecret 配置有误，请联系校友会",
    40013: "学校的微信 AppID 配置有误，请联系校友会",
}


@dataclass(frozen=True)
class WeChatProfile:
    """Who WeChat says the visitor is (nickname/avatar only from the official-account OAuth)."""

    openid: str
    unionid: str = ""
    nickname: str = ""
    avatar_url: str = ""


def _api_base() -> str:
    return settings.WECHAT_API_BASE_URL.rstrip("/") + "/"


def _failure(exc: Exception) -> WeChatFailed:
    errcode = getattr(exc, "errcode", None)
    logger.warning("WeChat call failed: %s", exc)
    return WeChatFailed(_ERRCODES.get(errcode, WeChatFailed.default_message))


class CacheTokenStorage(SessionStorage):
    """wechatpy's token store backed by Django's (tenant-aware, shared) cache.

    A fresh access_token invalidates the previous one after a few minutes, so all processes
    must share one instead of each fetching its own.
    """

    prefix = "wechatpy:"

    def get(self, key, default=None):
        return cache.get(self.prefix + key, default)

    def set(self, key, value, ttl=None):
        if value is not None:
            # Renew a little before WeChat expires it.
            cache.set(self.prefix + key, value, max(int(ttl) - 300, 60) if ttl else None)

    def delete(self, key):
        cache.delete(self.prefix + key)


class _OAuth(WeChatOAuth):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.API_BASE_URL = _api_base()
        self.OAUTH_BASE_URL = settings.WECHAT_OPEN_BASE_URL.rstrip("/") + "/connect/"

    def _get(self, url, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super()._get(url, **kwargs)


class SchoolWeChatClient(WeChatClient):
    """wechatpy's client with settings-driven base URLs and a shared access_token store."""

    def __init__(self, appid: str, secret: str):
        super().__init__(appid, secret, session=CacheTokenStorage(), timeout=TIMEOUT_SECONDS)
        self.API_BASE_URL = _api_base() + "cgi-bin/"
        # Each API group is an instance made per client; wxa (mini-program) calls live at the root.
        self.wxa.API_BASE_URL = _api_base()

    def fetch_access_token(self):
        # wechatpy hard-codes https://api.weixin.qq.com/cgi-bin/token here.
        return self._fetch_access_token(
            url=_api_base() + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def oauth_authorize_url(*, app_id: str, redirect_uri: str, state: str) -> str:
    """WeChat's consent page for the official account (scope snsapi_userinfo)."""
    return _OAuth(app_id, "", redirect_uri, scope="snsapi_userinfo", state=state).authorize_url


def oauth_profile(*, app_id: str, secret: str, redirect_uri: str, code: str) -> WeChatProfile:
    """Exchange an OAuth ``code`` for the visitor's openid, unionid, nickname and avatar."""
    oauth = _OAuth(app_id, secret, redirect_uri, scope="snsapi_userinfo")
    try:
        token = oauth.fetch_access_token(code)
        info = oauth.get_user_info()
    except (WeChatException, requests.RequestException, ValueError, KeyError) as exc:
        raise _failure(exc) from exc
    return WeChatProfile(
        openid=info.get("openid") or token["openid"],
        unionid=info.get("unionid") or token.get("unionid") or "",
        nickname=(info.get("nickname") or "")[:100],
        avatar_url=(info.get("headimgurl") or "")[:500],
    )


def miniprogram_profile(*, app_id: str, secret: str, code: str) -> WeChatProfile:
    """Exchange a mini-program ``wx.login()`` code for openid and unionid (code2session)."""
    client = SchoolWeChatClient(app_id, secret)
    try:
        result = client.wxa.code_to_session(code)
    except (WeChatException, requests.RequestException, ValueError, KeyError) as exc:
        raise _failure(exc) from exc
    if not result.get("openid"):
        raise WeChatFailed()
    # session_key is deliberately not kept: nothing here decrypts mini-program data yet.
    return WeChatProfile(openid=result["openid"], unionid=result.get("unionid") or "")
