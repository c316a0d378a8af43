"""WeChat: official-account template messages and mini-program subscribe messages through the
real wechatpy client against a local stand-in that checks the access token and the payload."""

# Fixtures imported from core_fixtures are redefined as test parameters on purpose.
# ruff: noqa: F811

from __future__ import annotations

from alumni.accounts.models import WeChatIdentity, WeChatSettings
from alumni.messaging.models import MessageLog
from alumni.messaging.selectors.recipients import recipient_for_user
from alumni.messaging.services.send import Message, message_send
from tests.alumni.accounts.wechat_standin import openid_for
from tests.alumni.messaging.core_fixtures import (  # noqa: F401  (fixtures)
    _fresh_cache,
    configure_sms,
    make_user,
    wechat_message_server,
    wechat_messages,
)

OFFICIAL = ("wx1a2b3c4d5e6f7a8b", "0123456789abcdef0123456789abcdef")
MINI = ("wx9f8e7d6c5b4a3f2e", "fedcba9876543210fedcba9876543210")
TEMPLATE = "TMPL_event_reminder_0001"
EVENT = Message(
    purpose="event",
    subject="活动提醒",
    text="您报名的校友返校日将于明天开始。",
    wechat_data={"thing1": "校友返校日", "time2": {"value": "2025-10-01 09:00"}},
    url="https://alpha.example.cn/events/1/",
)


def bound_user(school, standin):
    config = WeChatSettings.base_queryset().first() or WeChatSettings()
    config.official_app_id, config.official_app_secret = OFFICIAL
    config.miniprogram_app_id, config.miniprogram_app_secret = MINI
    config.save()
    standin.add_app(*OFFICIAL)
    standin.add_app(*MINI)
    user = make_user(school, name="张三", phone="13800000001")
    for app_id, kind in ((OFFICIAL[0], "official"), (MINI[0], "miniprogram")):
        WeChatIdentity.objects.create(user=user, app_id=app_id, openid=openid_for(app_id, "zhang"), kind=kind)
    return user


def test_template_message_with_purpose_template(in_school_a, wechat_messages):
    user = bound_user(in_school_a, wechat_messages)
    configure_sms(in_school_a, wechat_template_event=TEMPLATE)
    wechat_messages.add_template(OFFICIAL[0], TEMPLATE)
    wechat_messages.allow_receiver(OFFICIAL[0], openid_for(OFFICIAL[0], "zhang"))
    logs = message_send(recipient=recipient_for_user(user), message=EVENT, deliver="now")
    by = {log.channel: log for log in logs}
    assert set(by) == {"inapp", "wechat"}  # WeChat picked: bound, and the school has a template
    assert by["wechat"].status == MessageLog.Status.SENT, by["wechat"].error
    [sent] = wechat_messages.sent
    assert sent["kind"] == "template" and sent["touser"] == openid_for(OFFICIAL[0], "zhang")
    assert sent["template_id"] == TEMPLATE and sent["url"] == EVENT.url
    assert sent["data"] == {"thing1": {"value": "校友返校日"}, "time2": {"value": "2025-10-01 09:00"}}
    assert by["wechat"].provider_message_id == str(sent["msgid"])
    assert wechat_messages.paths_called().count("/cgi-bin/token") == 1


def test_not_following_fails_with_reason(in_school_a, wechat_messages):
    user = bound_user(in_school_a, wechat_messages)
    wechat_messages.add_template(OFFICIAL[0], TEMPLATE)
    message = Message(**{**EVENT.__dict__, "wechat_template_id": TEMPLATE})
    [log] = message_send(
        recipient=recipient_for_user(user), message=message, channels=["wechat"], deliver="now"
    )
    assert log.status == MessageLog.Status.FAILED
    assert "未关注公众号" in log.error and "43004" in log.error


def test_no_template_or_not_configured_is_skipped(in_school_a, wechat_messages):
    user = bound_user(in_school_a, wechat_messages)
    [log] = message_send(
        recipient=recipient_for_user(user), message=EVENT, channels=["wechat"], deliver="now"
    )
    assert log.status == MessageLog.Status.SKIPPED and log.error == "未设置公众号模板消息 ID"
    WeChatSettings.objects.update(official_app_id="", official_app_secret="")
    [log] = message_send(
        recipient=recipient_for_user(user), message=EVENT, channels=["wechat"], deliver="now"
    )
    assert log.status == MessageLog.Status.SKIPPED  # no longer bound to the school's current account
    assert wechat_messages.sent == []


def test_miniprogram_subscribe_message(in_school_a, wechat_messages):
    user = bound_user(in_school_a, wechat_messages)
    openid = openid_for(MINI[0], "zhang")
    wechat_messages.add_template(MINI[0], "SUB_tmpl_01")
    message = Message(
        **{**EVENT.__dict__, "wechat_template_id": "SUB_tmpl_01", "url": "pages/event/detail?id=1"}
    )
    [refused] = message_send(
        recipient=recipient_for_user(user),
        message=message,
        channels=["miniprogram"],
        idempotency_key="m1",
        deliver="now",
    )
    assert refused.status == MessageLog.Status.FAILED and "43101" in refused.error
    wechat_messages.allow_receiver(MINI[0], openid)
    [log] = message_send(
        recipient=recipient_for_user(user),
        message=message,
        channels=["miniprogram"],
        idempotency_key="m2",
        deliver="now",
    )
    assert log.status == MessageLog.Status.SENT, log.error
    [sent] = wechat_messages.sent
    assert (sent["kind"], sent["touser"], sent["page"]) == ("subscribe", openid, "pages/event/detail?id=1")
