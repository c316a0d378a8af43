"""Back office 校友邀请: who may use it, the list and its filters, inviting one or a list, revoke, resend."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from alumni.core.models import AuditEntry
from alumni.messaging.models import Invitation, MessageLog
from tests.alumni.messaging.invite_support import *  # noqa: F403
from tests.alumni.messaging.invite_support import make_invite
from tests.conftest import inside

pytestmark = pytest.mark.django_db

LIST = "/admin/messaging/invites/"


def sidebar(client) -> str:
    """The admin menu as text (Wagtail renders it from JSON with escaped Chinese)."""
    page = client.get("/admin/").content.decode()
    props = page.split('id="wagtail-sidebar-props" type="application/json">', 1)[1].split("</script>", 1)[0]
    return json.dumps(json.loads(props), ensure_ascii=False)


def xlsx(rows: list[list]) -> SimpleUploadedFile:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "名单.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_only_school_admins_get_in(client_a, alumnus_client_a, editor_client_a, admin_client_a, school_a):
    invitation, _secret = make_invite(school_a)
    urls = [LIST, LIST + "new/", LIST + "upload/"]
    for url in urls:
        assert client_a.get(url).status_code == 302  # to the admin login
        assert alumnus_client_a.get(url).status_code in (302, 403)
        refused = editor_client_a.get(url)  # Wagtail turns PermissionDenied into a redirect home
        assert refused.status_code == 302 and refused["Location"] == "/admin/"
        assert admin_client_a.get(url).status_code == 200
    for action in ("revoke", "resend"):
        assert editor_client_a.post(f"{LIST}{invitation.pk}/{action}/")["Location"] == "/admin/"
        assert alumnus_client_a.post(f"{LIST}{invitation.pk}/{action}/").status_code in (302, 403)
    with inside(school_a):
        assert Invitation.objects.get(pk=invitation.pk).revoked_at is None
    assert "校友邀请" not in sidebar(editor_client_a)
    assert "校友邀请" in sidebar(admin_client_a) and LIST in sidebar(admin_client_a)


def test_list_filters_by_status_and_stays_in_its_school(admin_client_a, admin_client_b, school_a, alumnus_a):
    make_invite(school_a, name="待接受甲", address="p@example.com")
    used, _ = make_invite(school_a, name="已接受乙", address="u@example.com")
    expired, _ = make_invite(school_a, name="已过期丙", address="e@example.com")
    with inside(school_a):
        Invitation.objects.filter(pk=used.pk).update(used_at=timezone.now(), used_by=alumnus_a)
        Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    page = admin_client_a.get(LIST).content.decode()
    assert all(n in page for n in ("待接受甲", "已接受乙", "已过期丙")) and "全部 (3)" in page
    page = admin_client_a.get(LIST + "?status=expired").content.decode()
    assert "已过期丙" in page and "待接受甲" not in page and "已接受乙" not in page
    page = admin_client_a.get(LIST + "?status=used").content.decode()
    assert "已接受乙" in page and "校友小张" in page and "待接受甲" not in page
    assert "乙" in admin_client_a.get(LIST + "?q=u%40example").content.decode()
    assert "待接受甲" not in admin_client_b.get(LIST).content.decode()


def test_admin_invites_one_alumnus_by_email(admin_client_a, school_a, admin_a):
    response = admin_client_a.post(
        LIST + "new/",
        {
            "name": "赵校友",
            "channel": "email",
            "email": "zhao@example.com",
            "phone": "",
            "openid": "",
            "expires_days": 3,
        },
    )
    assert response.status_code == 302
    with inside(school_a):
        invitation = Invitation.objects.get(name="赵校友")
        assert invitation.address == "zhao@example.com" and invitation.created_by_id == admin_a.pk
        assert invitation.expires_at - timezone.now() < timedelta(days=3, minutes=1)
        assert MessageLog.objects.filter(idempotency_key=f"invite:{invitation.pk}", channel="email").exists()
        assert AuditEntry.objects.filter(action="invite.create", actor=admin_a).exists()


def test_missing_address_for_the_channel_is_shown_on_the_field(admin_client_a, school_a):
    response = admin_client_a.post(
        LIST + "new/", {"name": "钱校友", "channel": "sms", "email": "q@example.com", "expires_days": 7}
    )
    assert response.status_code == 200 and "请填写手机号" in response.content.decode()
    with inside(school_a):
        assert not Invitation.objects.exists()


def test_admin_uploads_a_list_and_sees_what_was_skipped(admin_client_a, school_a):
    upload = xlsx(
        [
            ["2024 届校友注册邀请名单"],
            ["姓名", "手机号码", "电子邮箱"],
            ["孙一", "13811110001", "sun@example.com"],
            ["周二", "13811110002", ""],
            ["吴三", "12345", "wu@example.com"],
            [None, None, None],
            ["郑四", "13811110001", ""],
        ]
    )
    response = admin_client_a.post(LIST + "upload/", {"file": upload, "channel": "sms", "expires_days": 14})
    page = response.content.decode()
    assert response.status_code == 200
    assert "已发出 2 份邀请，跳过 2 行" in page and "吴三" in page and "郑四" in page and "重复" in page
    with inside(school_a):
        assert sorted(Invitation.objects.values_list("address", flat=True)) == ["13811110001", "13811110002"]
        assert Invitation.objects.get(name="孙一").payload == {
            "phone": "13811110001",
            "email": "sun@example.com",
        }


def test_a_file_without_the_right_columns_is_refused(admin_client_a, school_a):
    response = admin_client_a.post(
        LIST + "upload/",
        {"file": xlsx([["学号", "专业"], ["1", "物理"]]), "channel": "email", "expires_days": 7},
    )
    assert "表头应包含" in response.content.decode()
    broken = SimpleUploadedFile("名单.xlsx", b"this is not a spreadsheet")
    response = admin_client_a.post(LIST + "upload/", {"file": broken, "channel": "email", "expires_days": 7})
    assert "无法读取该文件" in response.content.decode()


def test_admin_revokes_and_resends(admin_client_a, school_a, admin_a):
    first, _ = make_invite(school_a, address="1@example.com")
    second, old_secret = make_invite(school_a, address="2@example.com")
    response = admin_client_a.post(f"{LIST}{first.pk}/revoke/", follow=True)
    assert "已撤销" in response.content.decode()
    response = admin_client_a.post(f"{LIST}{second.pk}/resend/", follow=True)
    assert "已重新发送" in response.content.decode()
    with inside(school_a):
        assert Invitation.objects.get(pk=first.pk).revoked_at is not None
        assert Invitation.objects.get(pk=second.pk).sends == 2
        actions = set(AuditEntry.objects.filter(actor=admin_a).values_list("action", flat=True))
        assert {"invite.revoke", "invite.resend"} <= actions
    # A revoked invitation cannot be revoked or resent again; the admin is told why.
    response = admin_client_a.post(f"{LIST}{first.pk}/resend/", follow=True)
    assert "不能再次发送" in response.content.decode()
    # The old link of the resent invitation is dead (a new secret was sent).
    assert admin_client_a.get(f"/messages/i/{old_secret}/").status_code == 404
