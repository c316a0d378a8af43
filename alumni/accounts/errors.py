"""Account errors with stable codes (listed in docs/api.md)."""

from __future__ import annotations

from alumni.core.errors import Conflict, PermissionDenied, ServiceError, ValidationFailed


class RegistrationInvalid(ValidationFailed):
    """A registration or profile field is wrong; ``field`` names it."""


class LoginFailed(ServiceError):
    code = "login_failed"
    status = 400
    default_message = "账号或密码错误"


class WeChatNotConfigured(ServiceError):
    code = "wechat_not_configured"
    status = 400
    default_message = "本校尚未配置微信登录"


class WeChatFailed(ServiceError):
    """WeChat's API refused the call (expired or reused code, wrong AppSecret, network)."""

    code = "wechat_error"
    status = 400
    default_message = "微信登录失败，请重试"


class BindTicketInvalid(PermissionDenied):
    code = "bind_ticket_invalid"
    default_message = "微信绑定凭证无效或已过期，请重新用微信登录"


class WeChatAlreadyBound(Conflict):
    code = "wechat_already_bound"
    default_message = "该微信已绑定本校的另一个账号"


class AccountHasOtherWeChat(Conflict):
    code = "account_has_other_wechat"
    default_message = "该账号已绑定另一个微信"
