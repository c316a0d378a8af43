"""Messaging errors with stable codes."""

from __future__ import annotations

from alumni.core.errors import Conflict, PermissionDenied, ServiceError, ValidationFailed


class AddressInvalid(ValidationFailed):
    code = "address_invalid"
    default_message = "收件地址无效"


class QuotaExhausted(Conflict):
    code = "sms_quota_exhausted"
    default_message = "本年度短信额度不足，未发送任何短信"


class ChannelUnavailable(ServiceError):
    code = "channel_unavailable"
    default_message = "该渠道未配置或不可用"


class ProviderError(ServiceError):
    code = "provider_error"
    status = 502
    default_message = "短信或微信服务商返回错误"


class InviteInvalid(PermissionDenied):
    code = "invite_invalid"
    default_message = "邀请链接无效、已过期或已被使用"


class CampaignInvalid(ValidationFailed):
    code = "campaign_invalid"
    default_message = "群发设置有误"
