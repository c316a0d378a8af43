"""Mass SMS end to end (Celery eager, the console SMS backend's outbox as the recipients' phones):
preview counts, the quota refused before anything is sent, invalid numbers reported, no second
copy after a worker dies, scheduling, isolation between schools."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alumni.messaging.errors import CampaignInvalid, QuotaExhausted
from alumni.messaging.models import MessageLog, SmsCampaign, SmsRecipient
from alumni.messaging.recipient_sources import _upload_params
from alumni.messaging.services import sms_campaigns
from alumni.messaging.services.sms_campaigns import (
    sms_campaign_create,
    sms_campaign_run,
    sms_campaign_start,
    sms_campaigns_resume,
)
from alumni.messaging.sms_length import sms_segments
from tests.alumni.messaging.sms_support import *  # noqa: F403  (the outbox fixture)
from tests.alumni.messaging.sms_support import (
    SIGN,
    configure_sms,
    person,
    received,
    set_quota,
    usage,
)
from tests.alumni.people.admin_support import make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks):
    """Tasks go after commit and a test's transaction never commits: run them when asked."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def admin_of(school):
    return get_user_model().objects.get(email=f"admin@{school.subdomain}.edu.cn")


@pytest.fixture
def alumni_a(school_a):
    configure_sms(school_a)
    with inside(school_a):
        return {
            "zhang": person(name="张三", phones=["13800000001"], city="北京"),
            "li": person(name="李四", phones=["010-62751234"]),  # a landline: cannot receive SMS
            "wang": person(name="王五"),  # no phone at all
            "zhao": person(name="赵六", phones=["13800000001"]),  # the same phone as 张三
            "qian": person(name="钱七", phones=["bad", "13900000002"], city="北京"),  # second one valid
            "late": person(name="孙八", phones=["13700000003"], tags=["已故"]),  # passed away
        }


def create(school, **kwargs):
    kwargs.setdefault("title", "校庆通知")
    kwargs.setdefault("text", "{{称呼}}您好，母校校庆将于10月举行，欢迎回家！")
    with inside(school):
        return sms_campaign_create(actor=admin_of(school), signature=SIGN, **kwargs)


def test_segments_follow_the_70_and_67_rule():
    assert sms_segments("") == 0
    assert sms_segments("字" * 70) == 1
    assert sms_segments("字" * 71) == 2  # a long SMS: 67 per part
    assert sms_segments("字" * 134) == 2
    assert sms_segments("字" * 135) == 3
    assert sms_segments("字" * 69 + "😀") == 2  # an emoji counts as two characters


def test_preview_counts_people_numbers_and_billed_segments(alumni_a, school_a):
    campaign = create(school_a)
    with inside(school_a):
        rows = {r.name: r for r in SmsRecipient.objects.filter(campaign=campaign)}
    assert set(rows) == {"张三", "李四", "王五", "赵六", "钱七"}  # the deceased record is left out
    assert rows["张三"].text == "张三校友您好，母校校庆将于10月举行，欢迎回家！"
    assert rows["钱七"].phone == "13900000002" and rows["钱七"].status == "pending"
    assert (
        rows["李四"].status == "skipped" and "不是手机号（无法接收短信）：010-62751234" in rows["李四"].error
    )
    assert rows["王五"].status == "skipped" and "没有手机号" in rows["王五"].error
    assert rows["赵六"].status == "skipped" and "重复" in rows["赵六"].error
    assert (campaign.recipients_valid, campaign.recipients_invalid) == (2, 3)
    assert campaign.segments_total == 2  # 【阿大校友会】 + 26 characters: one SMS each


def test_send_now_delivers_once_per_number_and_counts_the_quota(alumni_a, school_a, outbox, run_commits):
    long_text = "{{姓名}}校友：" + "母校发展需要您的关心和支持，" * 6
    campaign = create(school_a, text=long_text)
    assert campaign.segments_total == 2 * sms_segments(
        f"【{SIGN}】张三校友：" + "母校发展需要您的关心和支持，" * 6
    )
    with run_commits(), inside(school_a):
        sms_campaign_start(actor=admin_of(school_a), campaign_id=campaign.pk)
    phones = sorted(m["to"] for m in received(outbox, "alpha"))
    assert phones == ["13800000001", "13900000002"]
    assert all(m["text"].startswith(f"【{SIGN}】") for m in received(outbox, "alpha"))
    with inside(school_a):
        campaign.refresh_from_db()
        assert campaign.status == "done"
        assert (
            MessageLog.objects.filter(campaign_type="sms", campaign_id=campaign.pk, status="sent").count()
            == 2
        )
    assert usage(school_a)[0] == campaign.segments_total

    # Running the task again (a redelivered message) sends nothing new.
    with inside(school_a):
        sms_campaign_run(campaign_id=campaign.pk)
    assert len(received(outbox, "alpha")) == 2


def test_a_campaign_bigger_than_the_quota_is_refused_before_anything_is_sent(
    alumni_a, school_a, outbox, run_commits
):
    set_quota(school_a, quota=100, used=99)
    campaign = create(school_a)
    with run_commits(), inside(school_a), pytest.raises(QuotaExhausted) as refused:
        sms_campaign_start(actor=admin_of(school_a), campaign_id=campaign.pk)
    assert "需要 2 条" in refused.value.message and "剩余 1 条" in refused.value.message
    assert received(outbox, "alpha") == []
    with inside(school_a):
        assert not MessageLog.objects.filter(channel="sms").exists()
        assert SmsCampaign.objects.get(pk=campaign.pk).status == "draft"
    assert usage(school_a) == (99, 100)


def test_a_worker_killed_mid_campaign_and_restarted_sends_no_second_copy(school_a, outbox, monkeypatch):
    configure_sms(school_a)
    with inside(school_a):
        for i in range(6):
            person(name=f"校友{i}", phones=[f"1380000010{i}"])
    campaign = create(school_a)
    with inside(school_a):
        sms_campaign_start(actor=admin_of(school_a), campaign_id=campaign.pk)  # task not run yet

    real_send, calls = sms_campaigns.message_send, []

    def dying_send(**kwargs):
        calls.append(kwargs["idempotency_key"])
        logs = real_send(**kwargs)
        if len(calls) == 3:
            raise SystemExit("worker killed")  # after the third SMS went out, before bookkeeping
        return logs

    monkeypatch.setattr(sms_campaigns, "message_send", dying_send)
    with inside(school_a), pytest.raises(SystemExit):
        sms_campaign_run(campaign_id=campaign.pk)
    assert len(received(outbox, "alpha")) == 3
    monkeypatch.setattr(sms_campaigns, "message_send", real_send)
    with inside(school_a):
        assert sms_campaigns_resume() == 1  # the periodic job picks the interrupted campaign up
        campaign.refresh_from_db()
        assert campaign.status == "done"
        assert SmsRecipient.objects.filter(campaign=campaign, status="sent").count() == 6
    phones = [m["to"] for m in received(outbox, "alpha")]
    assert len(phones) == 6 and len(set(phones)) == 6


def test_uploaded_list_reports_invalid_numbers(school_a, outbox, run_commits):
    configure_sms(school_a)
    csv = (
        "姓名,手机号,座位号\n名单甲,13600000001,A1\n名单乙,12345,A2\n名单丙,+86 139-0000-0009,A3\n"
        "名单丁,010-62751234,A4\n名单甲again,136 0000 0001,A5\n,,\n"
    )
    upload = SimpleUploadedFile("名单.csv", csv.encode("utf-8"))
    params = _upload_params({"file": upload})
    campaign = create(school_a, source="upload", params=params, text="{{姓名}}，座位 {{座位号}}，聚会见！")
    with inside(school_a):
        rows = {r.name: r for r in SmsRecipient.objects.filter(campaign=campaign)}
    assert rows["名单甲"].phone == "13600000001" and rows["名单甲"].text == "名单甲，座位 A1，聚会见！"
    assert rows["名单丙"].phone == "13900000009" and rows["名单丙"].text == "名单丙，座位 A3，聚会见！"
    # Every line that cannot get an SMS is in the report with its reason.
    assert rows["名单乙"].status == "skipped" and "第 3 行" in rows["名单乙"].error
    assert "位数不对" in rows["名单乙"].error
    assert rows["名单丁"].status == "skipped" and "不是手机号" in rows["名单丁"].error
    assert rows["名单甲again"].status == "skipped" and "重复" in rows["名单甲again"].error
    assert (campaign.recipients_valid, campaign.recipients_invalid) == (2, 3)
    assert campaign.source_label.startswith("上传名单 名单.csv")
    with run_commits(), inside(school_a):
        sms_campaign_start(actor=admin_of(school_a), campaign_id=campaign.pk)
    assert sorted(m["to"] for m in received(outbox, "alpha")) == ["13600000001", "13900000009"]


def test_alumni_filters_choose_the_recipients(school_a, outbox):
    configure_sms(school_a)
    with inside(school_a):
        for name, city in (("京一", "北京"), ("京二", "北京"), ("沪一", "上海")):
            make_person(name=name, city=city, phones=[f"1370000{len(name)}{ord(name[-1]) % 1000:03d}"])
    campaign = create(school_a, params={"city": "北京"})
    with inside(school_a):
        names = set(SmsRecipient.objects.filter(campaign=campaign).values_list("name", flat=True))
    assert names == {"京一", "京二"} and "北京" in campaign.source_label


def test_unknown_placeholder_and_empty_list_are_refused(school_a, alumni_a):
    with pytest.raises(CampaignInvalid, match="未知的占位符"):
        create(school_a, text="{{昵称}}你好")
    with pytest.raises(CampaignInvalid, match="没有可以接收短信的收件人"):
        create(school_a, params={"query": "不存在的人名字"})


def test_scheduled_campaign_waits_for_its_time(alumni_a, school_a, outbox, run_commits):
    campaign = create(school_a)
    at = timezone.now() + timedelta(hours=2)
    with run_commits(), inside(school_a):
        sms_campaign_start(actor=admin_of(school_a), campaign_id=campaign.pk, at=at)
        assert sms_campaigns_resume() == 0  # not yet
    assert received(outbox, "alpha") == [] and usage(school_a)[0] == 0
    with inside(school_a):
        assert sms_campaigns_resume(now=at + timedelta(minutes=1)) == 0  # the campaign's own clock
        SmsCampaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now() - timedelta(minutes=1))
        assert sms_campaigns_resume() == 1
        assert SmsCampaign.objects.get(pk=campaign.pk).status == "done"
    assert len(received(outbox, "alpha")) == 2


def test_scheduled_campaign_refused_when_the_quota_is_gone_by_then(alumni_a, school_a, outbox):
    campaign = create(school_a)
    with inside(school_a):
        sms_campaign_start(
            actor=admin_of(school_a), campaign_id=campaign.pk, at=timezone.now() + timedelta(minutes=5)
        )
        SmsCampaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now())
    set_quota(school_a, quota=10, used=10)
    with inside(school_a):
        sms_campaigns_resume()
        campaign.refresh_from_db()
    assert campaign.status == "refused" and "额度不足" in campaign.error
    assert received(outbox, "alpha") == []


def test_campaigns_and_quotas_are_per_school(alumni_a, school_a, school_b, outbox, run_commits):
    set_quota(school_b, quota=5)
    campaign = create(school_a)
    with run_commits(), inside(school_a):
        sms_campaign_start(actor=admin_of(school_a), campaign_id=campaign.pk)
    assert usage(school_a)[0] == 2 and usage(school_b) == (0, 5)
    assert received(outbox, "beta") == []
    with inside(school_b):
        assert not SmsCampaign.objects.exists()
