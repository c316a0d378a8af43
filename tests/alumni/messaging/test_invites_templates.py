"""Invitations sent by SMS or WeChat use the template codes the school configured in 消息设置."""

from django.contrib.auth import get_user_model

from alumni.messaging.models import MessageLog, MessagingSettings
from alumni.messaging.services.invites import invite_create
from tests.conftest import inside


def test_invite_sms_uses_the_configured_template(school_a):
    with inside(school_a):
        settings = MessagingSettings.load()
        settings.sms_template_invite = "SMS_2026_INVITE"
        settings.save()
        admin = get_user_model().objects.get(email="admin@alpha.edu.cn")
        invitation, url = invite_create(
            purpose="register",
            payload={},
            name="李雷",
            channel="sms",
            address="13800138000",
            expires_in=None,
            actor=admin,
        )
        log = MessageLog.objects.get(idempotency_key=f"invite:{invitation.pk}")
        assert log.payload.get("sms_template") == "SMS_2026_INVITE"
        assert log.payload.get("sms_params", {}).get("url") == url
