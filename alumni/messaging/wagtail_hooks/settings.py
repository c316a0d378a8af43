"""The 消息设置 page (Settings menu): school admins only, every change audited (secret masked)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from alumni.core.audit_actions import register_audit_actions
from alumni.core.permissions import is_school_admin
from alumni.messaging.models import MessagingSettings
from alumni.messaging.selectors.settings import messaging_settings_values
from alumni.messaging.services.settings import messaging_settings_audit

register_audit_actions({"messaging_settings.edit": _("修改消息设置")})

_BEFORE_ATTR = "_messaging_settings_before"


@hooks.register("before_edit_setting")
def guard_and_remember_messaging_settings(request, instance):
    if isinstance(instance, MessagingSettings):
        # Credentials that spend the school's money: not for editors a group permission let in.
        if not is_school_admin(request.user):
            raise PermissionDenied
        setattr(request, _BEFORE_ATTR, messaging_settings_values(instance))


@hooks.register("after_edit_setting")
def audit_messaging_settings(request, instance):
    if isinstance(instance, MessagingSettings) and hasattr(request, _BEFORE_ATTR):
        messaging_settings_audit(
            actor=request.user,
            before=getattr(request, _BEFORE_ATTR),
            instance=instance,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )
