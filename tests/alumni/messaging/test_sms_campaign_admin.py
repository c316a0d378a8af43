"""短信群发 back office: who may open it, the recipient sources offered (the same registry as
e-mail campaigns, including a source registered at runtime), creating drafts through the form,
and one school never seeing another's campaigns."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from alumni.messaging.models import SmsCampaign, SmsRecipient
from alumni.messaging.recipient_sources import _SOURCES, RecipientRow, register_recipient_source
from alumni.messaging.services.sms_campaigns import sms_campaign_start
from tests.alumni.messaging.sms_support import *  # noqa: F403  (the outbox fixture)
from tests.alumni.messaging.sms_support import SIGN, configure_sms, person, received
from tests.alumni.people.admin_support import logged_in
from tests.conftest import host_of, inside

pytestmark = pytest.mark.django_db
NEW = "/admin/messaging/sms/new/"


def admin_client(school) -> Client:
    with inside(school):
        return logged_in(school, get_user_model().objects.get(email=f"admin@{school.subdomain}.edu.cn"))


def created(response) -> int:
    assert response.status_code == 302, response.content.decode()[:3000]
    return int(re.search(r"/sms/(\d+)/$", response["Location"]).group(1))


def test_only_school_admins_open_the_sms_screens(school_a):
    anonymous = Client(HTTP_HOST=host_of(school_a))
    assert anonymous.get(NEW).status_code in (302, 403)
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="13900000077", phone="13900000077", password="Alumnus-pass-1"
        )
    alumnus = logged_in(school_a, user)
    assert alumnus.get(NEW).status_code in (302, 403)
    assert alumnus.post(NEW, {"title": "x", "text": "hi", "source": "alumni"}).status_code in (302, 403)
    with inside(school_a):
        assert not SmsCampaign.objects.exists()
    assert admin_client(school_a).get(NEW).status_code == 200


def test_new_campaign_offers_every_registered_source_and_uses_its_form(school_a, school_b):
    configure_sms(school_a)
    with inside(school_a):
        person(name="全体甲", phones=["13500000001"])
        person(name="全体乙", phones=["13500000002"])
    admin = admin_client(school_a)
    page = admin.get(NEW).content.decode()
    assert "按条件筛选校友" in page and "上传 Excel 名单" in page  # the e-mail wizard's sources
    assert 'name="r-city"' in page  # the alumni filter form, rendered from the registry
    assert 'name="r-file"' in admin.get(NEW + "?source=upload").content.decode()

    pk = created(admin.post(NEW, {"title": "全体通知", "text": "{{姓名}}你好", "source": "alumni"}))
    with inside(school_a):
        assert SmsRecipient.objects.filter(campaign_id=pk, status="pending").count() == 2
    csv = "姓名,手机\n名单甲,13600000001\n名单乙,12\n"
    upload = SimpleUploadedFile("名单.csv", csv.encode("utf-8"), content_type="text/csv")
    pk = created(
        admin.post(NEW, {"title": "名单", "text": "{{姓名}}你好", "source": "upload", "r-file": upload})
    )
    detail = admin.get(f"/admin/messaging/sms/{pk}/").content.decode()
    assert "上传名单 名单.csv" in detail and "第 3 行" in detail  # the bad line is in the report

    # A file with no usable line is refused on the form, with the reason next to the field.
    bad = SimpleUploadedFile("空.csv", "姓名,手机\n某,1\n".encode(), content_type="text/csv")
    response = admin.post(NEW, {"title": "坏", "text": "你好", "source": "upload", "r-file": bad})
    assert response.status_code == 200 and "没有可用的收件人" in response.content.decode()

    # Isolation: another school's admin neither sees nor opens these campaigns.
    other = admin_client(school_b)
    assert other.get(f"/admin/messaging/sms/{pk}/").status_code == 404
    assert "名单" not in other.get("/admin/messaging/sms/").content.decode().split("<main")[-1]


@pytest.fixture
def guests_source():
    """A source that is not alumni records, registered the way a later feature would."""

    class GuestsForm(forms.Form):
        table = forms.CharField(label="桌号")

    register_recipient_source(
        key="test-guests",
        label="测试：某桌的嘉宾",
        form=GuestsForm,
        resolve=lambda params: [
            RecipientRow(name=f"{params['table']}桌嘉宾", phone="13300000001"),
            RecipientRow(name="无号码嘉宾"),
        ],
        describe=lambda params: f"第 {params['table']} 桌嘉宾",
    )
    yield
    _SOURCES.pop("test-guests", None)


def test_a_source_registered_at_runtime_appears_and_its_recipients_get_the_sms(
    school_a, guests_source, outbox, django_capture_on_commit_callbacks
):
    configure_sms(school_a)
    admin = admin_client(school_a)
    assert "测试：某桌的嘉宾" in admin.get(NEW).content.decode()
    assert 'name="r-table"' in admin.get(NEW + "?source=test-guests").content.decode()
    pk = created(
        admin.post(
            NEW, {"title": "晚宴", "text": "{{姓名}}，请入席", "source": "test-guests", "r-table": "8"}
        )
    )
    with inside(school_a):
        campaign = SmsCampaign.objects.get(pk=pk)
        assert campaign.source_label == "第 8 桌嘉宾"
        skipped = SmsRecipient.objects.get(campaign=campaign, name="无号码嘉宾")
        assert skipped.status == "skipped" and "没有手机号" in skipped.error
        with django_capture_on_commit_callbacks(execute=True):
            sms_campaign_start(actor=campaign.created_by, campaign_id=pk)
    sent = received(outbox, "alpha")
    assert [(m["to"], m["text"]) for m in sent] == [("13300000001", f"【{SIGN}】8桌嘉宾，请入席")]
