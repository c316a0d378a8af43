"""Alumni H5 pages of events: list and search, the event page, register and pay, discussion,
photos, favourite, proposing an event, my events; per role and against the second school."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from alumni.events.models import Comment, Event, EventStatus, Favourite, Photo, Registration, Visibility
from alumni.events.services.community import comment_moderate
from tests.alumni.events.support import *  # noqa: F403
from tests.alumni.events.support import make_event, pay, ticket
from tests.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(etree):
    return {
        "public": make_event(etree.b, title="上海校友迎新酒会", visibility=Visibility.PUBLIC, tags=["酒会"]),
        "alumni": make_event(
            etree.head, title="全校校友返校日", visibility=Visibility.ALUMNI, guests_allowed=1
        ),
        "members": make_event(etree.a, title="计算机学院年会", visibility=Visibility.MEMBERS),
        "paid": make_event(
            etree.head,
            title="百年校庆晚宴",
            visibility=Visibility.ALUMNI,
            ticket_types=[{"name": "晚宴票", "price": 28800}],
            form=[{"key": "class", "label": "班级", "type": "text", "required": True}],
        ),
    }


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_list_per_role(client_a, etree, events):
    page = _page(client_a, "/events/")
    assert "上海校友迎新酒会" in page and "全校校友返校日" not in page and "计算机学院年会" not in page
    client_a.force_login(etree.users["outsider"])
    page = _page(client_a, "/events/")
    assert "全校校友返校日" in page and "计算机学院年会" not in page
    client_a.force_login(etree.users["member_a"])
    page = _page(client_a, "/events/")
    assert "计算机学院年会" in page and "发起活动" in page
    page = _page(client_a, "/events/?q=晚宴")
    assert "百年校庆晚宴" in page and "上海校友迎新酒会" not in page
    page = _page(client_a, "/events/?tag=酒会")
    assert "上海校友迎新酒会" in page and "百年校庆晚宴" not in page
    assert "没有找到符合条件的活动" in _page(client_a, "/events/?place=火星")


def test_event_page_for_anonymous_and_hidden_events(client_a, etree, events):
    page = _page(client_a, f"/events/{events['public'].public_id}/")
    assert "上海校友迎新酒会" in page and "登录后报名" in page and "uri.amap.com" in page and "免费" in page
    assert client_a.get(f"/events/{events['alumni'].public_id}/").status_code == 404
    client_a.force_login(etree.users["outsider"])
    assert client_a.get(f"/events/{events['members'].public_id}/").status_code == 404
    paid = _page(client_a, f"/events/{events['paid'].public_id}/")
    assert "¥288.00" in paid and "立即报名" in paid


def test_register_free_event_with_a_guest_then_see_tickets(client_a, etree, events):
    event = events["alumni"]
    client_a.force_login(etree.users["alumnus"])
    form = _page(client_a, f"/events/{event.public_id}/register/")
    assert "同行人" in form
    response = client_a.post(
        f"/events/{event.public_id}/register/",
        {"ticket_type": ticket(event).pk, "guest_name_0": "家属甲", "guest_phone_0": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "报名成功，电子票已发放" in page and "家属甲" in page and "/events/tickets/" in page
    registration = Registration.objects.get(event=event, person=etree.persons["alumnus"])
    assert registration.status == "confirmed" and registration.heads == 2
    mine = _page(client_a, "/events/mine/")
    assert "全校校友返校日" in mine and "报名成功" in mine and registration.tickets.first().code in mine
    # The ticket link leads to the holder's ticket page.
    assert client_a.get(f"/events/tickets/{registration.tickets.first().code}/").status_code == 200
    again = client_a.post(
        f"/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk}, follow=True
    )
    assert Registration.objects.filter(event=event).count() == 1 and "已经报名" in again.content.decode()


def test_paid_ticket_goes_to_the_pay_page_and_is_confirmed_after_payment(client_a, etree, events):
    event = events["paid"]
    client_a.force_login(etree.users["alumnus"])
    missing = client_a.post(
        f"/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk}, follow=True
    )
    assert "班级" in missing.content.decode() and not Registration.objects.filter(event=event).exists()
    response = client_a.post(
        f"/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk, "a_class": "计科 2008 级"}
    )
    registration = Registration.objects.get(event=event)
    assert registration.status == "pending_payment" and registration.amount == 28800
    assert response.status_code == 302 and response["Location"] == f"/pay/{registration.payment_reference}/"
    assert client_a.get(response["Location"]).status_code == 200
    # The event page offers to pay again until it is paid.
    page = _page(client_a, f"/events/{event.public_id}/")
    assert "去支付" in page
    again = client_a.post(f"/events/{event.public_id}/pay/")
    assert again["Location"] == f"/pay/{registration.payment_reference}/"
    pay(registration)
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    assert "/events/tickets/" in _page(client_a, f"/events/{event.public_id}/")


def test_anonymous_and_unlinked_accounts_cannot_register_or_post(client_a, etree, events):
    event = events["public"]
    for url in ("register/", "comments/", "favourite/"):
        response = client_a.post(f"/events/{event.public_id}/{url}", {"text": "x"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    user = get_user_model().objects.create_user(
        username="13700000009", phone="13700000009", password="x-Pass-12"
    )
    client_a.force_login(user)
    assert "去认证" in _page(client_a, f"/events/{event.public_id}/")
    response = client_a.post(f"/events/{event.public_id}/comments/", {"text": "你好"})
    assert response["Location"].endswith("/alumni/verify/")
    assert not Comment.objects.exists() and not Registration.objects.exists()


def test_discussion_photos_and_favourite(client_a, etree, events):
    event = events["alumni"]
    client_a.force_login(etree.users["alumnus"])
    page = client_a.post(
        f"/events/{event.public_id}/comments/", {"text": "几点集合？"}, follow=True
    ).content.decode()
    assert "审核通过后所有人可见" in page and "几点集合？" in page and "待审核" in page
    client_a.force_login(etree.users["outsider"])
    assert "几点集合？" not in _page(client_a, f"/events/{event.public_id}/")
    comment_moderate(comment=Comment.objects.get(), actor=etree.users["school_admin"], approve=True)
    assert "几点集合？" in _page(client_a, f"/events/{event.public_id}/")
    # Photos: the upload form is for attendees only.
    assert 'name="image"' not in _page(client_a, f"/events/{event.public_id}/")
    client_a.force_login(etree.users["alumnus"])
    client_a.post(f"/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk})
    assert 'name="image"' in _page(client_a, f"/events/{event.public_id}/")
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (0, 120, 200)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")
    page = client_a.post(
        f"/events/{event.public_id}/photos/", {"image": upload, "caption": "签到处"}, follow=True
    )
    assert "照片已上传，审核通过后所有人可见" in page.content.decode()
    assert Photo.objects.get(event=event).caption == "签到处"
    # Favourite toggles and shows up under my favourites.
    client_a.post(f"/events/{event.public_id}/favourite/")
    assert Favourite.objects.filter(event=event, person=etree.persons["alumnus"]).exists()
    assert "全校校友返校日" in _page(client_a, "/events/mine/?tab=favourites")
    client_a.post(f"/events/{event.public_id}/favourite/")
    assert "还没有收藏活动" in _page(client_a, "/events/mine/?tab=favourites")


def test_member_proposes_an_event_for_their_organization(client_a, etree):
    client_a.force_login(etree.users["outsider"])
    assert "加入校友组织后" in _page(client_a, "/events/propose/")
    client_a.force_login(etree.users["member_a"])
    form = _page(client_a, "/events/propose/")
    assert "计算机学院校友会" in form and "上海校友会" not in form
    data = {
        "organization": etree.a.pk,
        "title": "校友羽毛球友谊赛",
        "starts_at": "2030-05-01T14:00",
        "ends_at": "2030-05-01T17:00",
        "place": "体育馆",
        "tags": "运动，羽毛球",
    }
    refused = client_a.post("/events/propose/", {**data, "organization": etree.b.pk}, follow=True)
    assert (
        "请选择你所在的组织" in refused.content.decode()
        and not Event.objects.filter(title="校友羽毛球友谊赛").exists()
    )
    response = client_a.post("/events/propose/", data, follow=True)
    event = Event.objects.get(title="校友羽毛球友谊赛")
    assert event.status == EventStatus.PENDING and event.proposed_by_id == etree.persons["member_a"].pk
    assert event.tags == ["运动", "羽毛球"] and event.organization_id == etree.a.pk
    assert "组织者审核通过后发布" in response.content.decode() and "待审核" in response.content.decode()
    # Nothing to discuss before it is published: the page has no comment form yet.
    assert 'name="text"' not in response.content.decode()
    assert "校友羽毛球友谊赛" in _page(client_a, "/events/mine/?tab=organized")
    assert "校友羽毛球友谊赛" not in _page(client_a, "/events/")
    client_a.force_login(etree.users["outsider"])
    assert client_a.get(f"/events/{event.public_id}/").status_code == 404


def test_school_beta_sees_none_of_alphas_events(client_b, etree, events, school_b):
    assert "上海校友迎新酒会" not in _page(client_b, "/events/")
    assert client_b.get(f"/events/{events['public'].public_id}/").status_code == 404
    with inside(school_b):
        admin_b = get_user_model().objects.get(email="admin@beta.edu.cn")
        client_b.force_login(admin_b)
    assert client_b.get(f"/events/{events['alumni'].public_id}/").status_code == 404
    assert client_b.post(f"/events/{events['alumni'].public_id}/favourite/").status_code == 404


def test_registrant_cancels_before_the_deadline_only(client_a, etree, events):
    event = events["alumni"]
    client_a.force_login(etree.users["alumnus"])
    client_a.post(f"/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk})
    assert "取消报名" in _page(client_a, f"/events/{event.public_id}/")
    page = client_a.post(
        f"/events/{event.public_id}/cancel/", {"reason": "临时出差"}, follow=True
    ).content.decode()
    registration = Registration.objects.get(event=event)
    assert registration.status == "cancelled" and registration.cancel_reason == "临时出差"
    assert "已取消报名" in page and {t.status for t in registration.tickets.all()} == {"revoked"}
    # Registered again, but the deadline has passed: the button is gone and a forged POST is refused.
    client_a.post(f"/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk})
    Event.objects.filter(pk=event.pk).update(cancellation_deadline=timezone.now() - timedelta(minutes=1))
    assert "确认取消" not in _page(client_a, f"/events/{event.public_id}/")
    page = client_a.post(f"/events/{event.public_id}/cancel/", follow=True).content.decode()
    assert "已过自行取消的截止时间" in page
    assert Registration.objects.filter(event=event, status="confirmed").count() == 1
