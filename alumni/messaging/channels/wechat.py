"""WeChat: official-account template messages and mini-program subscribe messages (wechatpy).

Credentials come from alumni.accounts' WeChat settings; clients are built by
alumni.accounts.wechat.SchoolWeChatClient, which points wechatpy at settings.WECHAT_API_BASE_URL
and shares access tokens through the cache (a fresh token invalidates the previous one).
"""

from __future__ import annotations

import requests
from wechatpy.exceptions import WeChatClientException, WeChatException

from alumni.accounts.models import WeChatSettings
from alumni.accounts.wechat import SchoolWeChatClient
from alumni.messaging.channels.base import ChannelBackend, DeliveryFailed, DeliveryRetry, messaging_settings

# errcodes worth explaining to an admin reading the send log.
ERRCODES = {
    40003: "openid 无效（不是本公众号/小程序的用户）",
    40037: "模板 ID 无效",
    43004: "用户未关注公众号，无法接收模板消息",
    43101: "用户未订阅该消息（小程序需用户先同意订阅）",
    47003: "模板参数不正确",
    40001: "access_token 无效（请检查 AppSecret）",
    40125: "AppSecret 配置有误",
    40013: "AppID 配置有误",
}
RETRY_ERRCODES = {-1, 45009, 45047}  # system busy, API daily limit (try later), too many messages


def wechat_settings() -> WeChatSettings:
    return WeChatSettings.base_queryset().first() or WeChatSettings()


def template_data(data: dict) -> dict:
    """``{"keyword1": "x"}`` or ``{"keyword1": {"value": "x"}}`` → WeChat's ``{"k": {"value": …}}``."""
    return {
        key: value if isinstance(value, dict) else {"value": str(value)}
        for key, value in (data or {}).items()
    }


def _call(send):
    try:
        return send()
    except WeChatClientException as exc:
        code = exc.errcode
        if code in RETRY_ERRCODES:
            raise DeliveryRetry(f"微信接口繁忙（{code}）") from exc
        raise DeliveryFailed(f"{ERRCODES.get(code, exc.errmsg)}（{code}）") from exc
    except (WeChatException, requests.RequestException, ValueError) as exc:
        raise DeliveryRetry(f"无法连接微信接口：{exc.__class__.__name__}") from exc


class OfficialAccountChannel(ChannelBackend):
    channel = "wechat"
    missing_address = "未绑定微信公众号"

    def address(self, recipient) -> str:
        return (recipient.wechat_openid or "").strip()

    def template_for(self, message) -> str:
        return message.wechat_template_id or messaging_settings().wechat_template_for(message.purpose)

    def unavailable_reason(self, message) -> str:
        if not wechat_settings().official_ready:
            return "学校尚未配置微信公众号"
        if not self.template_for(message):
            return "未设置公众号模板消息 ID"
        return ""

    def deliver(self, log) -> str:
        config = wechat_settings()
        if not config.official_ready:
            raise DeliveryFailed("学校尚未配置微信公众号")
        payload = log.payload or {}
        client = SchoolWeChatClient(config.official_app_id, config.official_app_secret)
        url = payload.get("url", "")
        result = _call(
            lambda: client.message.send_template(
                log.address,
                payload["wechat_template_id"],
                template_data(payload.get("wechat_data")),
                url=url if url.startswith(("http://", "https://")) else None,
            )
        )
        return str(result.get("msgid", ""))


class MiniProgramChannel(ChannelBackend):
    channel = "miniprogram"
    missing_address = "未绑定微信小程序"

    def address(self, recipient) -> str:
        return (recipient.miniprogram_openid or "").strip()

    def unavailable_reason(self, message) -> str:
        if not wechat_settings().miniprogram_ready:
            return "学校尚未配置微信小程序"
        if not message.wechat_template_id:
            return "未设置小程序订阅消息模板 ID"
        return ""

    def deliver(self, log) -> str:
        config = wechat_settings()
        if not config.miniprogram_ready:
            raise DeliveryFailed("学校尚未配置微信小程序")
        payload = log.payload or {}
        client = SchoolWeChatClient(config.miniprogram_app_id, config.miniprogram_app_secret)
        page = payload.get("url", "")
        result = _call(
            lambda: client.wxa.send_subscribe_message(
                log.address,
                payload["wechat_template_id"],
                template_data(payload.get("wechat_data")),
                # A mini-program page path ("pages/event/detail?id=3"), never a web URL.
                page=page.lstrip("/") if page and not page.startswith(("http://", "https://")) else None,
            )
        )
        return str(result.get("msgid", ""))
