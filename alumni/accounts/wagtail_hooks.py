"""Back office: every change to the WeChat settings goes into the school's audit log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from alumni.accounts import selectors, services
from alumni.accounts.models import WeChatSettings
from alumni.core.audit_actions import register_audit_actions

register_audit_actions({"wechat_settings.edit": _("修改微信配置")})

_BEFORE_ATTR = "_accounts_wechat_settings_before"


@hooks.register("before_edit_setting")
def remember_wechat_settings(request, instance):
    if isinstance(instance, WeChatSettings):
        setattr(request, _BEFORE_ATTR, selectors.wechat_settings_values(instance))


@hooks.register("after_edit_setting")
def audit_wechat_settings(request, instance):
    if isinstance(instance, WeChatSettings) and hasattr(request, _BEFORE_ATTR):
        services.wechat_settings_audit(
            actor=request.user,
            before=getattr(request, _BEFORE_ATTR),
            instance=instance,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
