"""The school admin's dashboard: real counts, the to-do panel and the latest audit entries."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Page

from alumni.core.services import audit_record
from alumni.core.todos import TodoItem, register_todo, unregister_todo
from tests.cms.factories import news_add
from tests.conftest import inside

STAT = re.compile(
    r'<span class="school-stats__value">(\d+)</span>\s*<span class="school-stats__label">([^<]+)</span>'
)


def stats(html: str) -> dict[str, int]:
    return {label.strip(): int(value) for value, label in STAT.findall(html)}


def add_alumni(school, n: int, prefix: str) -> None:
    with inside(school):
        user_model = get_user_model()
        for i in range(n):
            user_model.objects.create_user(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com")


def add_news(school, n: int, *, live: bool = True) -> list:
    return [news_add(school, f"{school.subdomain} 新闻 {i}", live=live) for i in range(n)]


def test_dashboard_counts_are_the_schools_own(school_a, school_b, admin_client_a, admin_client_b):
    add_alumni(school_a, 3, "a")
    add_alumni(school_b, 7, "b")
    with inside(school_b):
        get_user_model().objects.create_user(username="b-staff", email="staff@beta.edu.cn", is_staff=True)
    add_news(school_a, 2)
    add_news(school_a, 1, live=False)
    add_news(school_b, 5)
    with inside(school_a):
        pages_a = Page.objects.filter(depth__gt=1).count()
    with inside(school_b):
        pages_b = Page.objects.filter(depth__gt=1).count()

    numbers_a = stats(admin_client_a.get("/admin/").content.decode())
    numbers_b = stats(admin_client_b.get("/admin/").content.decode())

    records = {"校友档案": 0, "已认证校友": 0}  # alumni.people's counters (no records in this test)
    records["短信已用 / 本年额度 100,000"] = 0  # alumni.messaging's SMS counter (nothing sent)
    assert numbers_a == {
        "校友账号": 3,
        "管理员": 1,
        "已发布新闻": 2,
        "页面": pages_a,
        "图片": 0,
        "文档": 0,
        **records,
    }
    assert numbers_b == {
        "校友账号": 7,
        "管理员": 2,
        "已发布新闻": 5,
        "页面": pages_b,
        "图片": 0,
        "文档": 0,
        **records,
    }
    assert pages_a == pages_b - 2  # A has 3 news (one a draft), B has 5: the page counts differ too


def test_editors_group_member_counts_as_admin_not_alumnus(school_a, admin_client_a, editor_client_a):
    add_alumni(school_a, 2, "a")
    numbers = stats(admin_client_a.get("/admin/").content.decode())
    assert numbers["管理员"] == 2 and numbers["校友账号"] == 2


def test_stat_cards_link_to_their_listings(admin_client_a):
    html = admin_client_a.get("/admin/").content.decode()
    assert 'href="/admin/users/?is_superuser=false&amp;is_active=true"' in html
    assert 'href="/admin/images/"' in html


def test_wagtail_summary_line_is_replaced_by_the_stat_cards(admin_client_a):
    html = admin_client_a.get("/admin/").content.decode()
    assert "w-summary" not in html
    assert "school-stats" in html


def test_empty_todo_panel_says_so(admin_client_a):
    response = admin_client_a.get("/admin/")
    assert "待办事项" in response.content.decode()
    assert "暂无待办" in response.content.decode()


def test_registered_todos_show_sorted_and_zero_counts_hidden(admin_client_a):
    def provider(request):
        return [
            TodoItem("待审核校友认证", 4, "/admin/verify/", priority=10),
            TodoItem("待处理入会申请", 2, "/admin/joins/", priority=90),
            TodoItem("待审核活动", 0, "/admin/events/"),
        ]

    register_todo(provider)
    try:
        html = admin_client_a.get("/admin/").content.decode()
    finally:
        unregister_todo(provider)
    assert "暂无待办" not in html
    assert html.index("待处理入会申请") < html.index("待审核校友认证")  # higher priority first
    assert 'href="/admin/verify/"' in html and ">4<" in html
    assert "待审核活动" not in html


def test_pages_submitted_for_moderation_are_a_todo_at_that_school_only(
    school_a, admin_a, admin_client_a, admin_client_b
):
    (page,) = add_news(school_a, 1, live=False)
    with inside(school_a):
        page.save_revision(user=admin_a)
        page.get_workflow().start(page, admin_a)

    html_a = admin_client_a.get("/admin/").content.decode()
    html_b = admin_client_b.get("/admin/").content.decode()

    assert re.search(r"待审核的内容</span>\s*<span class=\"school-todos__count\">1<", html_a)
    assert "#awaiting-review-section" in html_a
    assert "暂无待办" in html_b


def test_recent_audit_panel_shows_the_last_ten_of_this_school(school_a, school_b, admin_a, admin_client_a):
    with inside(school_a):
        for i in range(12):
            audit_record(actor=admin_a, action="news.publish", summary=f"阿大操作{i:02d}")
    with inside(school_b):
        audit_record(actor=None, action="news.publish", summary="贝理工的操作")

    html = admin_client_a.get("/admin/").content.decode()

    shown = re.findall(r"阿大操作(\d\d)", html)
    assert shown == [f"{i:02d}" for i in range(11, 1, -1)]  # newest first, ten of them
    assert "贝理工的操作" not in html
    assert 'href="/admin/audit-log/"' in html
    assert "阿大管理员" in html  # who


def test_recent_audit_panel_hidden_from_editors_without_permission(school_a, editor_client_a):
    with inside(school_a):
        audit_record(actor=None, action="news.publish", summary="机密操作")
    response = editor_client_a.get("/admin/")
    assert response.status_code == 200
    assert "机密操作" not in response.content.decode()
    assert "最近操作" not in response.content.decode()


@pytest.mark.parametrize("path", ["/admin/"])
def test_dashboard_requires_admin_access(path, client_a, alumnus_client_a):
    assert client_a.get(path).status_code == 302
    response = alumnus_client_a.get(path)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
