"""SMS gateways behind one small interface (base.SmsProvider); ``provider_for`` picks the school's."""

from __future__ import annotations

from alumni.messaging.sms_providers.base import SmsConfig, SmsProvider, SmsRejected, SmsSent, SmsTransient


def provider_for(config: SmsConfig) -> SmsProvider:
    """The provider object for a school's configuration (console when nothing else is set)."""
    from alumni.messaging.sms_providers.aliyun import AliyunSms
    from alumni.messaging.sms_providers.console import ConsoleSms
    from alumni.messaging.sms_providers.tencent import TencentSms

    providers = {"aliyun": AliyunSms, "tencent": TencentSms, "console": ConsoleSms}
    return providers.get(config.provider, ConsoleSms)(config)


__all__ = ["SmsConfig", "SmsProvider", "SmsRejected", "SmsSent", "SmsTransient", "provider_for"]
