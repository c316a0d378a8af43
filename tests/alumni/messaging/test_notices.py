"""我的消息: the H5 page, the API, the unread badge; per user and per school."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from alumni.messaging.models import Notice
from alumni.messaging.services.send import Message, Recipient, message_send
from tests.alumni.messaging.core_fixtures import _fresh_cache, login, make_user  # noqa: F401
from tests.conftest import inside

API = "/api/v1/notices/"


def notify(school, user, title, **extra):
    with inside(school):
        [log] = message_send(
            recipient=Recipient(user_id=user.pk),
            message=Message(purpose="notice", subject=title, text=f"{title}的内容", **extra),
            channels=["inapp"],
            deliver="now",
        )
        return Notice.objects.get(log=log)


@pytest.fixture
def zhang(school_a):
    return make_user(school_a, name="张三", phone="13800000001")


@pytest.fixture
def li(school_a):
    return make_user(school_a, name="李四", phone="13800000002")


def test_notices_page_lists_mine_with_unread_marked(client_a, school_a, zhang, li):
    read = notify(school_a, zhang, "认证已通过")
    notify(school_a, zhang, "校友返校日报名成功")
    notify(school_a, li, "李四的私信")
    with inside(school_a):
        Notice.objects.filter(pk=read.pk).update(read_at=read.created_at)
    login(client_a, school_a, zhang)
    page = client_a.get("/messages/").content.decode()
    assert "我的消息" in page and "校友返校日报名成功" in page and "认证已通过" in page
    assert "李四的私信" not in page
    assert page.count("notice-item--unread") == 1
    assert 'aria-label="未读">1<' in page


def test_opening_a_notice_marks_it_read_and_shows_only_safe_links(client_a, school_a, zhang, li):
    notice = notify(school_a, zhang, "活动提醒", url="/events/1/")
    evil = notify(school_a, zhang, "钓鱼", url="https://evil.example.com/")
    login(client_a, school_a, zhang)
    page = client_a.get(f"/messages/{notice.pk}/").content.decode()
    assert "活动提醒的内容" in page and 'href="/events/1/"' in page
    assert "evil.example.com" not in client_a.get(f"/messages/{evil.pk}/").content.decode()
    with inside(school_a):
        assert Notice.objects.get(pk=notice.pk).read_at is not None
    # Someone else's notice is a 404, and stays unread.
    other = notify(school_a, li, "李四的私信")
    assert client_a.get(f"/messages/{other.pk}/").status_code == 404
    with inside(school_a):
        assert Notice.objects.get(pk=other.pk).read_at is None


def test_mark_all_read(client_a, school_a, zhang, li):
    notify(school_a, zhang, "一")
    notify(school_a, zhang, "二")
    others = notify(school_a, li, "三")
    login(client_a, school_a, zhang)
    response = client_a.post("/messages/read-all/", follow=True)
    assert "已将 2 条消息标为已读" in response.content.decode()
    with inside(school_a):
        assert not Notice.objects.filter(user=zhang, read_at__isnull=True).exists()
        assert Notice.objects.get(pk=others.pk).read_at is None
    assert client_a.get("/messages/read-all/").status_code == 405


def test_anonymous_is_sent_to_login(client_a):
    response = client_a.get("/messages/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_a.get(API).status_code == 401


def test_api_list_count_and_mark_read(client_a, school_a, zhang, li):
    first = notify(school_a, zhang, "认证已通过", url="/alumni/me/")
    notify(school_a, zhang, "活动提醒")
    other = notify(school_a, li, "李四的私信")
    login(client_a, school_a, zhang)
    body = client_a.get(API).json()
    assert body["count"] == 2
    assert [n["title"] for n in body["results"]] == ["活动提醒", "认证已通过"]
    assert body["results"][1]["url"] == "/alumni/me/" and body["results"][1]["is_read"] is False
    assert client_a.get(API + "unread-count/").json() == {"unread": 2}
    response = client_a.post(f"{API}{first.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert client_a.get(API + "?unread=1").json()["count"] == 1
    assert client_a.post(f"{API}{other.pk}/read/").json()["code"] == "not_found"
    assert client_a.post(API + "read-all/").json() == {"marked": 1, "unread": 0}
    with inside(school_a):
        assert Notice.objects.get(pk=other.pk).read_at is None


def test_alpha_notices_never_show_at_beta(client_a, client_b, school_a, school_b, zhang):
    notify(school_a, zhang, "阿尔法的通知")
    beta_user = make_user(school_b, name="张三", phone="13800000001")  # same phone, other school
    login(client_b, school_b, beta_user)
    assert client_b.get(API).json()["count"] == 0
    assert "阿尔法的通知" not in client_b.get("/messages/").content.decode()
    # A session from alpha is not a session at beta.
    login(client_a, school_a, zhang)
    assert client_a.get(API).json()["count"] == 1
    client_b.cookies = client_a.cookies
    assert client_b.get(API).status_code == 401


def test_unread_badge_tag(school_a, zhang):
    notify(school_a, zhang, "一")
    with inside(school_a):
        request = RequestFactory().get("/")
        request.user = zhang
        rendered = Template("{% load messaging_tags %}{% unread_notice_count as n %}[{{ n }}]").render(
            Context({"request": request})
        )
    assert rendered == "[1]"
    assert reverse("messaging:notices") == "/messages/"
