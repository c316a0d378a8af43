"""The audit log in the back office: per school, read-only, filterable, exportable to XLSX."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from alumni.core.models import AuditEntry
from alumni.core.services import audit_record
from tests.conftest import inside

URL = "/admin/audit-log/"


@pytest.fixture
def entries(school_a, school_b, admin_a):
    with inside(school_a):
        audit_record(
            actor=admin_a,
            action="page.publish",
            target=admin_a,
            summary="发布页面「校庆通知」",
            before={"live": False},
            after={"live": True, "title": "校庆通知"},
            ip_address="10.0.0.7",
        )
        audit_record(actor=None, action="user.import", summary="导入校友 12 人")
        old = audit_record(actor=admin_a, action="page.delete", summary="删除页面「旧公告」")
        AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    with inside(school_b):
        audit_record(actor=None, action="page.publish", summary="贝理工发布「迎新」")


def body(response) -> str:
    return response.content.decode()


def test_lists_only_this_schools_entries(entries, admin_client_a, admin_client_b):
    html = body(admin_client_a.get(URL))
    assert "发布页面「校庆通知」" in html and "导入校友 12 人" in html and "删除页面「旧公告」" in html
    assert "贝理工发布「迎新」" not in html
    html_b = body(admin_client_b.get(URL))
    assert "贝理工发布「迎新」" in html_b and "校庆通知" not in html_b


def test_shows_action_labels_and_actor(entries, admin_client_a):
    html = body(admin_client_a.get(URL))
    assert "发布页面" in html and "导入用户" in html
    assert "阿大管理员" in html and "系统" in html


def test_is_in_the_settings_menu(admin_client_a):
    html = body(admin_client_a.get("/admin/"))
    assert "操作日志" in html and "/admin/audit-log/" in html


def test_anonymous_and_alumni_are_sent_to_login(entries, client_a, alumnus_client_a):
    for client in (client_a, alumnus_client_a):
        response = client.get(URL)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        assert "校庆通知" not in body(client.get(URL, follow=True))


def test_back_office_users_without_the_permission_are_refused(entries, editor_client_a):
    response = editor_client_a.get(URL)
    assert response.status_code in (302, 403)
    assert "校庆通知" not in body(editor_client_a.get(URL, follow=True))


def test_read_only(entries, school_a, admin_client_a):
    with inside(school_a):
        pk = AuditEntry.objects.first().pk
    assert admin_client_a.get(URL + "new/").status_code == 404
    assert admin_client_a.get(f"{URL}edit/{pk}/").status_code == 404
    assert admin_client_a.post(f"{URL}delete/{pk}/").status_code == 404
    html = body(admin_client_a.get(URL))
    assert f"{URL}edit/" not in html and f"{URL}delete/" not in html


def test_filter_by_action(entries, admin_client_a):
    html = body(admin_client_a.get(URL, {"action": "user.import"}))
    assert "导入校友 12 人" in html and "校庆通知" not in html


def test_filter_by_actor(entries, admin_a, admin_client_a):
    html = body(admin_client_a.get(URL, {"actor": admin_a.pk}))
    assert "校庆通知" in html and "导入校友 12 人" not in html


def test_filter_by_date(entries, admin_client_a):
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    html = body(admin_client_a.get(URL, {"created_at_from": since}))
    assert "校庆通知" in html and "旧公告" not in html
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    html = body(admin_client_a.get(URL, {"created_at_to": until}))
    assert "旧公告" in html and "校庆通知" not in html


def test_search(entries, admin_client_a):
    html = body(admin_client_a.get(URL, {"q": "校庆"}))
    assert "校庆通知" in html and "导入校友" not in html


def test_inspect_shows_before_and_after(entries, school_a, admin_client_a):
    with inside(school_a):
        pk = AuditEntry.objects.get(action="page.publish").pk
    html = body(admin_client_a.get(f"{URL}inspect/{pk}/"))
    assert "修改前" in html and "修改后" in html
    assert "&quot;title&quot;: &quot;校庆通知&quot;" in html
    assert "10.0.0.7" in html


def test_xlsx_export_has_the_rows(entries, admin_client_a):
    response = admin_client_a.get(URL, {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "操作", "摘要")
    by_summary = {row[3]: row for row in rows[1:] if row[2] != "开通学校"}
    assert set(by_summary) == {"发布页面「校庆通知」", "导入校友 12 人", "删除页面「旧公告」"}
    published = by_summary["发布页面「校庆通知」"]
    assert published[1] == "阿大管理员" and published[2] == "发布页面"
    assert '"title": "校庆通知"' in published[9]
    # Wall-clock time of the school (Asia/Shanghai), not UTC.
    assert isinstance(published[0], datetime)
    assert abs(published[0] - timezone.localtime().replace(tzinfo=None)) < timedelta(minutes=5)


def test_xlsx_export_respects_filters(entries, admin_client_a):
    response = admin_client_a.get(URL, {"export": "xlsx", "action": "user.import"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    summaries = [row[3] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert summaries == ["导入校友 12 人"]
