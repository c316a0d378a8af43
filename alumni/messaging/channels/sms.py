"""SMS through the school's provider (alumni.messaging.sms_providers)."""

from __future__ import annotations

from django.db import connection

from alumni.messaging.channels.base import ChannelBackend, DeliveryFailed, DeliveryRetry, messaging_settings
from alumni.messaging.errors import AddressInvalid
from alumni.messaging.sms_providers import SmsConfig, SmsRejected, SmsTransient, provider_for
from tenants.users.phones import normalize_phone


def sms_config() -> SmsConfig:
    config = messaging_settings()
    return SmsConfig(
        provider=config.sms_provider,
        access_key_id=config.sms_access_key_id,
        access_key_secret=config.sms_access_key_secret,
        sign_name=config.sms_sign_name,
        app_id=config.tencent_sms_app_id,
        schema=connection.schema_name,
    )


class SmsChannel(ChannelBackend):
    channel = "sms"
    missing_address = "没有手机号"

    def address(self, recipient) -> str:
        return (recipient.phone or "").strip()

    def normalize(self, address: str) -> str:
        phone = normalize_phone(address)
        if phone is None:
            raise AddressInvalid(f"手机号格式不正确：{address}")
        return phone

    def unavailable_reason(self, message) -> str:
        config = messaging_settings()
        if not config.sms_ready:
            return "学校尚未配置短信服务商"
        if config.sms_provider != "console" and not message.sms_template:
            return "未指定短信模板"
        return ""

    def deliver(self, log) -> str:
        payload = log.payload or {}
        provider = provider_for(sms_config())
        try:
            sent = provider.send(
                phone=log.address,
                template=payload.get("sms_template", ""),
                params=payload.get("sms_params") or {},
                text=log.body,
                out_id=str(log.pk),
            )
        except SmsRejected as exc:
            raise DeliveryFailed(f"{exc.message}（{exc.code}）") from exc
        except SmsTransient as exc:
            raise DeliveryRetry(str(exc)) from exc
        return sent.message_id
