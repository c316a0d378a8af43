"""message_send / message_deliver: channel choice, skipped reasons, unsubscribes, idempotency,
async delivery after commit, SMS quota, school isolation; placeholders and recipient selectors."""

# Fixtures imported from core_fixtures are redefined as test parameters on purpose.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.core import mail

from alumni.messaging.errors import QuotaExhausted
from alumni.messaging.models import MessageLog, Notice, SmsUsage, Unsubscribe
from alumni.messaging.placeholders import person_context, placeholders_unknown, render_placeholders
from alumni.messaging.selectors.recipients import recipient_for_person, recipient_for_user
from alumni.messaging.services.quota import sms_quota_reserve, sms_quota_set
from alumni.messaging.services.send import Message, Recipient, message_deliver, message_send
from alumni.people.models import AccountLink, College, Degree, Person
from tests.alumni.messaging.core_fixtures import (  # noqa: F401  (fixtures)
    _fresh_cache,
    configure_sms,
    make_user,
    outbox_dir,
)
from tests.conftest import inside

NOTICE = Message(
    purpose="notice",
    subject="活动通知",
    text="周六校友返校日，欢迎参加。",
    html="<p>周六校友返校日</p>",
    url="/events/1/",
)
STATUS = MessageLog.Status


def test_channels_picked_from_bindings(in_school_a):
    user = make_user(in_school_a, phone="13800000001", email="zhang@example.com")
    logs = message_send(
        recipient=Recipient(name="张三", email="zhang@example.com", phone="13800000001", user_id=user.pk),
        message=NOTICE,
        deliver="never",
    )
    # In-app (has an account) and e-mail (has an address); never SMS unless asked (it costs money);
    # no WeChat (not bound).
    assert sorted(log.channel for log in logs) == ["email", "inapp"]
    assert all(log.status == STATUS.QUEUED for log in logs)
    assert message_send(recipient=Recipient(name="无联系方式"), message=NOTICE, deliver="never") == []


def test_invalid_addresses_and_missing_bindings_are_skipped_with_reason(in_school_a):
    logs = message_send(
        recipient=Recipient(name="李四", email="not-an-email", phone="12345"),
        message=NOTICE,
        channels=["email", "sms", "wechat", "inapp"],
        deliver="now",
    )
    by = {log.channel: log for log in logs}
    assert {log.status for log in logs} == {STATUS.SKIPPED}
    assert "邮箱地址格式不正确" in by["email"].error
    assert "手机号格式不正确" in by["sms"].error
    assert by["wechat"].error == "未绑定微信公众号"
    assert by["inapp"].error == "没有校友账号"
    assert mail.outbox == []


def test_unsubscribe_honoured_for_marketing_only(in_school_a):
    Unsubscribe.objects.create(channel="email", address="wang@example.com", purpose="campaign")
    recipient = Recipient(name="王五", email="Wang@Example.com".lower())
    marketing = Message(purpose="campaign", subject="校友杂志", text="第 3 期", marketing=True)
    [log] = message_send(recipient=recipient, message=marketing, channels=["email"], deliver="now")
    assert log.status == STATUS.SKIPPED and log.error == "收件人已退订此类消息"
    # Unsubscribing from "" means every marketing purpose.
    Unsubscribe.objects.create(channel="email", address="zhao@example.com", purpose="")
    [log] = message_send(
        recipient=Recipient(email="zhao@example.com"), message=marketing, channels=["email"], deliver="now"
    )
    assert log.status == STATUS.SKIPPED
    # A transactional message (an invite, a claim result) still goes out.
    [log] = message_send(recipient=recipient, message=NOTICE, channels=["email"], deliver="now")
    assert log.status == STATUS.SENT
    assert [m.to for m in mail.outbox] == [["王五 <wang@example.com>"]]


def test_same_idempotency_key_sends_once(in_school_a):
    recipient = Recipient(name="张三", email="zhang@example.com")
    first = message_send(recipient=recipient, message=NOTICE, idempotency_key="notice:1:zhang", deliver="now")
    second = message_send(
        recipient=recipient, message=NOTICE, idempotency_key="notice:1:zhang", deliver="now"
    )
    assert [log.pk for log in first] == [log.pk for log in second]
    assert second[0].status == STATUS.SENT
    assert len(mail.outbox) == 1
    assert MessageLog.objects.filter(idempotency_key="notice:1:zhang").count() == 1
    # Delivering a sent log again sends nothing.
    message_deliver(log_id=first[0].pk)
    assert len(mail.outbox) == 1


def test_existing_queued_log_is_finished_by_a_repeated_call(in_school_a):
    recipient = Recipient(name="张三", email="zhang@example.com")
    [queued] = message_send(recipient=recipient, message=NOTICE, idempotency_key="k-restart", deliver="never")
    assert queued.status == STATUS.QUEUED and mail.outbox == []
    # The worker died before delivering; the restarted run calls again with the same key.
    [log] = message_send(recipient=recipient, message=NOTICE, idempotency_key="k-restart", deliver="now")
    assert log.pk == queued.pk and log.status == STATUS.SENT
    assert len(mail.outbox) == 1


def test_async_delivery_runs_after_commit(in_school_a, django_capture_on_commit_callbacks):
    user = make_user(in_school_a, email="a@example.com")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        logs = message_send(recipient=recipient_for_user(user), message=NOTICE)
        assert all(log.status == STATUS.QUEUED for log in logs)
        assert mail.outbox == [] and not Notice.objects.exists()
    assert len(callbacks) == 2  # one task per log, sent only once the transaction commits
    assert {MessageLog.objects.get(pk=log.pk).status for log in logs} == {STATUS.SENT}
    notice = Notice.objects.get(user=user)
    assert (notice.title, notice.body, notice.url) == ("活动通知", NOTICE.text, "/events/1/")
    assert len(mail.outbox) == 1


def test_sms_reserves_quota_and_refuses_when_exhausted(in_school_a, outbox_dir):
    sms = Message(purpose="invite", text="张三校友，请点击链接完成注册。")
    sms_quota_set(quota=2)
    [log] = message_send(
        recipient=Recipient(phone="13800000001"), message=sms, channels=["sms"], deliver="now"
    )
    assert log.status == STATUS.SENT
    assert SmsUsage.objects.get().used == 1
    sms_quota_reserve(count=1)  # the year's last SMS, taken by someone else
    with pytest.raises(QuotaExhausted):
        message_send(recipient=Recipient(phone="13800000002"), message=sms, channels=["sms"], deliver="now")
    # Refused before anything happened: no log, no file in the outbox, usage unchanged.
    assert MessageLog.objects.filter(address="13800000002").count() == 0
    assert len(list((outbox_dir / "alpha").glob("*.json"))) == 1
    assert SmsUsage.objects.get().used == 2


def test_sms_skipped_or_failed_gives_quota_back(in_school_a, outbox_dir):
    sms = Message(purpose="invite", text="注册邀请")
    [skipped] = message_send(recipient=Recipient(phone="bad"), message=sms, channels=["sms"], deliver="now")
    assert skipped.status == STATUS.SKIPPED
    assert SmsUsage.objects.filter(used__gt=0).count() == 0
    configure_sms(
        in_school_a,
        sms_provider="aliyun",
        sms_access_key_id="id",
        sms_access_key_secret="s",
        sms_sign_name="阿大",
    )
    [unconfigured] = message_send(
        recipient=Recipient(phone="13800000001"), message=sms, channels=["sms"], deliver="now"
    )
    assert unconfigured.status == STATUS.SKIPPED and unconfigured.error == "未指定短信模板"


def test_campaign_sms_uses_the_campaigns_reservation(in_school_a, outbox_dir):
    sms_quota_reserve(count=3)  # the campaign reserved its recipients up front
    [log] = message_send(
        recipient=Recipient(phone="13800000001"),
        message=Message(purpose="sms_campaign", text="校庆通知"),
        channels=["sms"],
        campaign=("sms", 1),
        deliver="now",
    )
    assert log.status == STATUS.SENT and (log.campaign_type, log.campaign_id) == ("sms", 1)
    assert SmsUsage.objects.get().used == 3  # not reserved a second time


def test_logs_are_per_school(school_a, school_b):
    with inside(school_a):
        message_send(recipient=Recipient(email="only-alpha@example.com"), message=NOTICE, deliver="never")
        assert MessageLog.objects.filter(address="only-alpha@example.com").count() == 1
    with inside(school_b):
        assert MessageLog.objects.filter(address="only-alpha@example.com").count() == 0


def test_placeholders_render_and_report_unknown(in_school_a):
    college = College.objects.create(name="计算机学院")
    person = Person.objects.create(name="张三", company="腾讯", city="深圳")
    Degree.objects.create(
        person=person,
        level="bachelor",
        college=college,
        major_name="软件工程",
        enrollment_year=2008,
        graduation_year=2012,
    )
    context = person_context(person)
    text = "{{姓名}}校友（{{学院}}{{入学年份}}级），{{学校}}欢迎你！{{ 城市 }} {{未知}}"
    assert render_placeholders(text, context) == "张三校友（计算机学院2008级），阿尔法大学欢迎你！深圳 "
    assert placeholders_unknown(text) == ["未知"]
    assert placeholders_unknown("{{自定义}}", known={"自定义"}) == []


def test_recipient_selectors(in_school_a):
    person = Person.objects.create(name="孙七", phones=["13900000007"], emails=["sun@example.com"])
    assert recipient_for_person(person) == Recipient(
        name="孙七", email="sun@example.com", phone="13900000007", person_id=person.pk
    )
    user = make_user(in_school_a, name="孙七", phone="13900000008")
    AccountLink.objects.create(user=user, person=person)
    by_person = recipient_for_person(person)
    assert by_person.user_id == user.pk and by_person.phone == "13900000007"
    by_user = recipient_for_user(user)
    assert (by_user.person_id, by_user.phone, by_user.email) == (person.pk, "13900000008", "sun@example.com")
