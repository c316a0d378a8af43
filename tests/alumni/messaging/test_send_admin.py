"""Back office: the send log (filters, search, XLSX export, read-only) and the 消息设置 page
(secret write-only and masked, quota read-only, audited); school admins only, per school."""

# Fixtures imported from core_fixtures are redefined as test parameters on purpose.
# ruff: noqa: F811

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client

from alumni.core.models import AuditEntry
from alumni.messaging.models import MessageLog, MessagingSettings
from alumni.messaging.services.quota import sms_quota_reserve
from alumni.messaging.services.send import Message, Recipient, message_send
from tests.alumni.messaging.core_fixtures import _fresh_cache, login, make_user, outbox_dir  # noqa: F401
from tests.conftest import ADMIN_PASSWORD, host_of, inside

LOGS = "/admin/messaging/logs/"


def admin_client(school) -> Client:
    client = Client(HTTP_HOST=host_of(school))
    assert (
        client.post(
            "/admin/login/", {"username": f"admin@{school.subdomain}.edu.cn", "password": ADMIN_PASSWORD}
        ).status_code
        == 302
    )
    return client


@pytest.fixture
def logs(school_a, outbox_dir):
    with inside(school_a):
        message_send(
            recipient=Recipient(name="张三", email="zhang@example.com"),
            message=Message(purpose="campaign", subject="杂志", text="t"),
            channels=["email"],
            deliver="now",
        )
        message_send(
            recipient=Recipient(name="李四", email="bad-address"),
            message=Message(purpose="invite", text="t"),
            channels=["email"],
            deliver="now",
        )
        message_send(
            recipient=Recipient(name="王五", phone="13800000005"),
            message=Message(purpose="invite", text="邀请"),
            channels=["sms"],
            deliver="now",
        )


def test_send_log_lists_filters_and_searches(school_a, logs):
    client = admin_client(school_a)
    page = client.get(LOGS).content.decode()
    assert "发送记录" in page and "张三" in page and "李四" in page and "王五" in page
    page = client.get(LOGS, {"status": "skipped"}).content.decode()
    assert "李四" in page and "张三" not in page and "邮箱地址格式不正确" in page
    page = client.get(LOGS, {"channel": "sms"}).content.decode()
    assert "王五" in page and "张三" not in page
    page = client.get(LOGS, {"purpose": "invite"}).content.decode()
    assert "王五" in page and "张三" not in page
    page = client.get(LOGS, {"q": "zhang@"}).content.decode()
    assert "张三" in page and "王五" not in page
    with inside(school_a):
        log = MessageLog.objects.get(name="王五")
    assert "13800000005" in client.get(f"{LOGS}inspect/{log.pk}/").content.decode()
    # Read-only: no add/edit/delete routes.
    assert client.get(f"{LOGS}edit/{log.pk}/").status_code == 404
    assert client.get(f"{LOGS}new/").status_code == 404


def test_send_log_xlsx_export(school_a, logs):
    response = admin_client(school_a).get(LOGS, {"export": "xlsx", "status": "sent"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:6] == ("创建时间", "渠道", "用途", "状态", "收件人", "地址")
    assert sorted(r[4] for r in rows[1:]) == ["张三", "王五"]
    assert {r[3] for r in rows[1:]} == {"已发送"}


def test_send_log_is_school_admin_only_and_per_school(client_a, school_a, school_b, logs):
    editor = make_user(school_a, name="编辑", email="editor@alpha.edu.cn")
    with inside(school_a):
        from django.contrib.auth.models import Permission

        editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    assert login(Client(HTTP_HOST=host_of(school_a)), school_a, editor).get(LOGS).status_code in (302, 403)
    alumnus = make_user(school_a, name="校友", phone="13800000009")
    assert login(client_a, school_a, alumnus).get(LOGS).status_code == 302  # not let into the back office
    page = admin_client(school_b).get(LOGS).content.decode()
    assert "张三" not in page and "王五" not in page


def test_settings_page_masks_secret_shows_quota_and_audits(school_a):
    client = admin_client(school_a)
    with inside(school_a):
        sms_quota_reserve(count=1234)
        setting = MessagingSettings.load()
    url = f"/admin/settings/messaging/messagingsettings/{setting.pk}/"
    page = client.get(url).content.decode()
    assert "消息设置" in page and "1,234" in page and "100,000" in page
    data = {
        "sms_provider": "aliyun",
        "sms_access_key_id": "LTAI5tExampleKeyId",
        "sms_access_key_secret": "s3cr3t-very-long-secret-value",
        "sms_sign_name": "阿尔法大学校友会",
        "tencent_sms_app_id": "",
        "email_from_name": "阿尔法大学校友会",
        "email_reply_to": "",
        "wechat_template_notice": "",
        "wechat_template_event": "TMPL_event_0001",
        "wechat_template_invite": "",
        "wechat_template_review": "",
        "wechat_template_donation": "",
    }
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert "s3cr3t-very-long-secret-value" not in page and "s3cr******alue" in page
    # Leaving the secret empty keeps it.
    assert (
        client.post(url, {**data, "sms_access_key_secret": "", "sms_sign_name": "阿大校友会"}).status_code
        == 302
    )
    with inside(school_a):
        saved = MessagingSettings.objects.get()
        assert (saved.sms_access_key_secret, saved.sms_sign_name) == (
            "s3cr3t-very-long-secret-value",
            "阿大校友会",
        )
        entry = AuditEntry.objects.filter(action="messaging_settings.edit").order_by("pk").first()
        assert "s3cr3t" not in str(entry.after) and entry.after["sms_access_key_secret"] == "s3cr******alue"
    # Tencent needs its 10-digit SDK AppID.
    response = client.post(url, {**data, "sms_provider": "tencent", "tencent_sms_app_id": "abc"})
    assert response.status_code == 200 and "10 位数字" in response.content.decode()


def test_settings_page_refuses_non_admin_editors(school_a):
    editor = make_user(school_a, name="编辑", email="editor2@alpha.edu.cn")
    with inside(school_a):
        from django.contrib.auth.models import Permission

        editor.user_permissions.add(
            Permission.objects.get(codename="access_admin"),
            Permission.objects.get(codename="change_messagingsettings"),
        )
        setting = MessagingSettings.load()
    client = login(Client(HTTP_HOST=host_of(school_a)), school_a, editor)
    assert client.get(f"/admin/settings/messaging/messagingsettings/{setting.pk}/").status_code in (302, 403)
