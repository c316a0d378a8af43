"""E-mail campaigns end to end in one process (Celery eager, locmem e-mail backend).

Who can do what: school admins run campaigns; anyone holding a link may open/unsubscribe by its
signed token, which only works at the school that sent it.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from alumni.messaging.errors import CampaignInvalid
from alumni.messaging.models import CampaignRecipient, EmailCampaign, MessageLog, Unsubscribe
from alumni.messaging.recipient_sources import (
    parse_uploaded_list,
    recipient_sources,
    register_recipient_source,
)
from alumni.messaging.services.campaigns import (
    campaign_create,
    campaign_schedule,
    campaign_set_content,
    campaign_set_recipients,
    campaign_set_template,
    campaigns_start_due,
    throttle_wait,
)
from tests.alumni.people.admin_support import logged_in, make_person
from tests.conftest import host_of, inside

CSV = (
    "姓名,邮箱,手机,座位号\n"
    "张三,zhangsan@example.com,13800000001,A1\n"
    "李四,lisi@example.com,,A2\n"
    "王五,not-an-address,,A3\n"
    "赵六,,,A4\n"
    "张三重复,ZHANGSAN@example.com,,A5\n"
)


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    """Tasks are sent after commit; the test's transaction never commits: run them at once."""
    global committed
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    yield


committed = None


def upload(text=CSV, name="名单.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def admin_of(school):
    return get_user_model().objects.get(email=f"admin@{school.subdomain}.edu.cn")


def ready_campaign(school, *, body="{{称呼}}您好，您的座位是{{座位号}}。", csv=CSV):
    admin = admin_of(school)
    campaign = campaign_create(actor=admin, name="校庆邀请")
    parsed = parse_uploaded_list(upload(csv))
    from alumni.messaging.recipient_sources import _upload_params

    campaign_set_recipients(
        campaign=campaign, actor=admin, source="upload", params=_upload_params({"file": parsed})
    )
    campaign_set_template(campaign=campaign, actor=admin, builtin="banner")
    assert (
        campaign_set_content(
            campaign=campaign, actor=admin, name="校庆邀请", subject="{{姓名}}，校庆见", body=body
        )
        == []
    )
    return campaign, admin


def test_uploaded_list_reports_bad_rows_and_keeps_extra_columns_as_placeholders():
    parsed = parse_uploaded_list(upload())
    assert [r["email"] for r in parsed.rows] == ["zhangsan@example.com", "lisi@example.com"]
    assert [(b["line"], b["reason"]) for b in parsed.bad_rows] == [
        (4, "邮箱格式不正确"),
        (5, "缺少邮箱"),
        (6, "邮箱重复"),
    ]
    assert parsed.extra_columns == ["座位号"]
    with pytest.raises(CampaignInvalid):
        parse_uploaded_list(upload("姓名,电话\n张三,1\n"))


def test_registry_adds_a_source_with_one_call():
    register_recipient_source(key="test-source", label="测试来源", resolve=lambda params: [])
    assert "test-source" in [s.key for s in recipient_sources()]


def test_campaign_sends_each_valid_address_once_with_placeholders_and_unsubscribe(in_school_a, school_a):
    person = make_person(name="钱七", emails=["qianqi@example.com"])
    campaign, admin = ready_campaign(school_a)
    with committed():
        campaign_schedule(campaign=campaign, actor=admin, when=None)  # eager: sends right away
    campaign.refresh_from_db()
    assert campaign.status == EmailCampaign.Status.DONE
    assert (campaign.total, campaign.sent_count, campaign.failed_count) == (2, 2, 0)
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"zhangsan@example.com", "lisi@example.com"}
    message = sent["zhangsan@example.com"]
    assert message.subject == "张三，校庆见"
    html = message.alternatives[0][0]
    assert "张三校友您好，您的座位是A1。" in html
    assert "{{" not in html and "zhangsan" not in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://alpha.")
    assert "/messages/u/" in message.body  # the text part carries the link too
    logs = MessageLog.objects.filter(campaign_type="email", campaign_id=campaign.pk)
    assert logs.count() == 2 and set(logs.values_list("status", flat=True)) == {"sent"}
    assert person  # a record with an address that is not on the uploaded list gets nothing
    assert "qianqi@example.com" not in sent


def test_unknown_placeholder_is_flagged_and_blocks_sending(in_school_a, school_a):
    campaign, admin = ready_campaign(school_a)
    unknown = campaign_set_content(
        campaign=campaign, actor=admin, name="x", subject="hi", body="{{职称}}您好"
    )
    assert unknown == ["职称"]
    with pytest.raises(CampaignInvalid, match="职称"), committed():
        campaign_schedule(campaign=campaign, actor=admin, when=None)
    assert mail.outbox == []


def _links(message):
    html = message.alternatives[0][0]
    pixel = re.search(r'src="http://[^/]+(/messages/o/[^"]+\.gif)"', html).group(1)
    unsub = re.search(r"<http://[^/]+(/messages/u/[^>]+/)>", message.extra_headers["List-Unsubscribe"]).group(
        1
    )
    return pixel, unsub


def test_pixel_marks_opened_once_and_unsubscribe_is_honoured_later(school_a, school_b):
    with inside(school_a):
        campaign, admin = ready_campaign(school_a)
        with committed():
            campaign_schedule(campaign=campaign, actor=admin, when=None)
    message = next(m for m in mail.outbox if m.to == ["zhangsan@example.com"])
    pixel, unsub = _links(message)
    anonymous = Client(HTTP_HOST=host_of(school_a))
    for _ in range(2):
        response = anonymous.get(pixel)
        assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    with inside(school_a):
        campaign.refresh_from_db()
        assert campaign.opened_count == 1
        log = MessageLog.objects.get(campaign_id=campaign.pk, address="zhangsan@example.com")
        assert log.status == "opened" and log.opened_at

    # The same tokens at another school do nothing.
    other = Client(HTTP_HOST=host_of(school_b))
    assert other.get(pixel).status_code == 200
    assert other.post(unsub).status_code == 404
    with inside(school_b):
        assert not Unsubscribe.objects.exists()

    # GET only asks (link scanners); POST unsubscribes; one-click POST without CSRF works.
    assert anonymous.get(unsub).status_code == 200
    with inside(school_a):
        assert not Unsubscribe.objects.filter(address="zhangsan@example.com").exists()
    csrf_client = Client(HTTP_HOST=host_of(school_a), enforce_csrf_checks=True)
    response = csrf_client.post(unsub, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "已退订" in response.content.decode()

    mail.outbox.clear()
    with inside(school_a):
        again, admin = ready_campaign(school_a)
        with committed():
            campaign_schedule(campaign=again, actor=admin, when=None)
        again.refresh_from_db()
        assert again.unsubscribed_count == 1 and again.sent_count == 1
        assert (
            CampaignRecipient.objects.get(campaign=again, email="zhangsan@example.com").status
            == "unsubscribed"
        )
    assert [m.to for m in mail.outbox] == [["lisi@example.com"]]


def test_scheduled_campaign_starts_when_due(in_school_a, school_a):
    from datetime import timedelta

    from django.utils import timezone

    campaign, admin = ready_campaign(school_a)
    campaign_schedule(campaign=campaign, actor=admin, when=timezone.now() + timedelta(hours=1))
    assert campaigns_start_due() == [] and mail.outbox == []
    EmailCampaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))
    with committed():
        assert campaigns_start_due() == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.status == "done" and len(mail.outbox) == 2


def test_throttle_wait_keeps_the_rate():
    assert throttle_wait(sent=60, elapsed=1.0, per_minute=60) == 59.0
    assert throttle_wait(sent=10, elapsed=30.0, per_minute=60) == 0.0
    assert throttle_wait(sent=100, elapsed=0.0, per_minute=0) == 0.0


def test_alumni_filter_source_uses_records(in_school_a, school_a):
    make_person(name="孙八", emails=["sunba@example.com"], city="深圳")
    make_person(name="周九", emails=[], city="深圳")
    make_person(name="吴十", emails=["wushi@example.com"], city="北京")
    admin = admin_of(school_a)
    campaign = campaign_create(actor=admin, name="深圳校友")
    counts = campaign_set_recipients(campaign=campaign, actor=admin, source="alumni", params={"city": "深圳"})
    assert (counts["pending"], counts["invalid"]) == (1, 1)
    assert campaign.recipients.get(status="pending").context["姓名"] == "孙八"


# --- back office --------------------------------------------------------------------------


def test_back_office_is_for_school_admins_only(school_a):
    url = "/admin/messaging/campaigns/"
    anonymous = Client(HTTP_HOST=host_of(school_a))
    assert anonymous.get(url).status_code in (302, 403)
    with inside(school_a):
        get_user_model().objects.create_user(
            username="13900000001", phone="13900000001", password="Alumnus-pass-1"
        )
        alumnus = logged_in(school_a, get_user_model().objects.get(username="13900000001"))
    assert alumnus.get(url).status_code in (302, 403)
    with inside(school_a):
        admin = logged_in(school_a, admin_of(school_a))
    assert admin.get(url).status_code == 200


def test_wizard_walkthrough_and_isolation(school_a, school_b):
    with inside(school_a):
        admin = logged_in(school_a, admin_of(school_a))
    response = admin.post("/admin/messaging/campaigns/", {"name": "返校日"})
    pk = int(re.search(r"/(\d+)/recipients/", response["Location"]).group(1))
    base = f"/admin/messaging/campaigns/{pk}/"
    response = admin.post(base + "recipients/", {"source": "upload", "file": upload()})
    assert response.status_code == 302
    page = admin.get(base + "recipients/").content.decode()
    assert "邮箱格式不正确" in page and "可发送" in page, page[page.find("<main") :]
    assert admin.post(base + "template/", {"action": "choose", "template": "newsletter"}).status_code == 302
    response = admin.post(base + "content/", {"name": "返校日", "subject": "{{姓名}}", "body": "{{爱好}}"})
    assert "爱好" in admin.get(base + "content/").content.decode()
    admin.post(base + "content/", {"name": "返校日", "subject": "{{姓名}}你好", "body": "座位 {{座位号}}"})
    preview = admin.get(base + "preview/").content.decode()
    assert "张三你好" in preview and "座位 A1" in preview
    assert admin.post(base + "preview/").status_code == 302
    assert mail.outbox[-1].to[0].endswith("<admin@alpha.edu.cn>") and mail.outbox[-1].subject.startswith(
        "[测试]"
    )
    with committed():
        response = admin.post(base + "schedule/", {"mode": "now", "throttle_per_minute": "0"})
    assert response.status_code == 302
    status = admin.get(base + "status.json").json()
    assert status["status"] == "done" and status["sent"] == 2 and status["invalid"] == 0
    report = admin.get(base).content.decode()
    assert "已送达" in report

    with inside(school_b):
        other = logged_in(school_b, admin_of(school_b))
    assert other.get(base).status_code == 404
