"""The mini-program's events API: list/search, detail, register (free and paid), my events,
my tickets, comments, photos, favourite; error shape, roles and isolation."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from alumni.events.models import Comment, Photo, Registration, Visibility
from alumni.events.services.community import comment_moderate
from alumni.events.services.events import event_set_flags
from tests.alumni.events.support import *  # noqa: F403
from tests.alumni.events.support import make_event, pay, ticket
from tests.conftest import inside

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def events(etree):
    return {
        "public": make_event(etree.b, title="上海校友迎新酒会", visibility=Visibility.PUBLIC, tags=["酒会"]),
        "alumni": make_event(
            etree.head, title="全校校友返校日", visibility=Visibility.ALUMNI, guests_allowed=2
        ),
        "members": make_event(etree.a, title="计算机学院年会", visibility=Visibility.MEMBERS, capacity=1),
        "paid": make_event(
            etree.head,
            title="百年校庆晚宴",
            visibility=Visibility.ALUMNI,
            ticket_types=[{"name": "晚宴票", "price": 28800}],
        ),
    }


def _titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [e["title"] for e in response.json()["results"]]


def test_list_and_search_per_role(client_a, etree, events):
    assert _titles(client_a.get("/api/v1/events/")) == ["上海校友迎新酒会"]
    client_a.force_login(etree.users["member_a"])
    event_set_flags(event=events["paid"], actor=etree.users["school_admin"], pinned=True)
    titles = _titles(client_a.get("/api/v1/events/"))
    # Pinned first, then the member's own chapter's event.
    assert titles[:2] == ["百年校庆晚宴", "计算机学院年会"] and set(titles) == {
        e.title for e in events.values()
    }
    assert _titles(client_a.get("/api/v1/events/?q=校庆")) == ["百年校庆晚宴"]
    assert _titles(client_a.get("/api/v1/events/?tag=酒会")) == ["上海校友迎新酒会"]
    assert _titles(client_a.get(f"/api/v1/events/?org={etree.a.pk}")) == ["计算机学院年会"]
    client_a.force_login(etree.users["outsider"])
    assert "计算机学院年会" not in _titles(client_a.get("/api/v1/events/"))


def test_detail_with_ticket_types_and_hidden_events(client_a, etree, events):
    detail = client_a.get(f"/api/v1/events/{events['public'].public_id}/").json()
    assert detail["title"] == "上海校友迎新酒会" and detail["organization"] == "上海校友会"
    assert detail["ticket_types"][0]["price"] == 0 and detail["places_left"] is None
    assert (
        detail["my_registration"] is None
        and detail["favourite"] is False
        and detail["registration_open"] is True
    )
    hidden = client_a.get(f"/api/v1/events/{events['alumni'].public_id}/")
    assert hidden.status_code == 404 and hidden.json()["code"] == "event_not_found"
    client_a.force_login(etree.users["member_a"])
    members = client_a.get(f"/api/v1/events/{events['members'].public_id}/").json()
    assert members["capacity"] == 1 and members["ticket_types"][0]["places_left"] == 1
    paid = client_a.get(f"/api/v1/events/{events['paid'].public_id}/").json()
    assert paid["ticket_types"][0]["price"] == 28800 and paid["ticket_types"][0]["currency"] == "CNY"


def test_register_free_with_guests_then_my_events_and_tickets(client_a, etree, events):
    event = events["alumni"]
    client_a.force_login(etree.users["alumnus"])
    body = {
        "ticket_type": ticket(event).pk,
        "guests": [{"name": "家属甲"}, {"name": "家属乙", "phone": "13900000000"}],
    }
    response = client_a.post(f"/api/v1/events/{event.public_id}/register/", body, content_type=JSON)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (
        data["registration"]["status"] == "confirmed"
        and data["registration"]["heads"] == 3
        and data["pay_url"] == ""
    )
    again = client_a.post(f"/api/v1/events/{event.public_id}/register/", body, content_type=JSON)
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    mine = client_a.get("/api/v1/events/mine/").json()
    assert [(r["event"]["title"], r["status"], len(r["tickets"])) for r in mine] == [
        ("全校校友返校日", "confirmed", 3)
    ]
    tickets = client_a.get("/api/v1/events/mine/tickets/").json()
    assert sorted(t["holder_name"] for t in tickets) == sorted(
        [etree.persons["alumnus"].name, "家属甲", "家属乙"]
    )
    assert {t["event"]["public_id"] for t in tickets} == {event.public_id} and all(
        t["status"] == "valid" for t in tickets
    )
    assert tickets[0]["url"] == f"/events/tickets/{tickets[0]['code']}/"
    detail = client_a.get(f"/api/v1/events/{event.public_id}/").json()
    assert detail["my_registration"]["status"] == "confirmed" and len(detail["my_tickets"]) == 3


def test_register_paid_returns_the_pay_page_and_full_events_refuse(client_a, etree, events):
    client_a.force_login(etree.users["alumnus"])
    event = events["paid"]
    response = client_a.post(
        f"/api/v1/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk}, content_type=JSON
    )
    data = response.json()
    registration = Registration.objects.get(event=event)
    assert data["registration"]["status"] == "pending_payment" and data["registration"]["amount"] == 28800
    assert data["pay_url"] == f"http://alpha.localhost/pay/{registration.payment_reference}/"
    pay(registration)
    assert client_a.get("/api/v1/events/mine/").json()[0]["status"] == "confirmed"
    # A ticket type of another event is refused in the API's error shape.
    other = client_a.post(
        f"/api/v1/events/{event.public_id}/register/",
        {"ticket_type": ticket(events["alumni"]).pk},
        content_type=JSON,
    )
    assert other.status_code == 400 and other.json()["code"] == "invalid" and "fields" in other.json()


def test_anonymous_and_unlinked_accounts(client_a, etree, events):
    event = events["public"]
    for method, url in (
        ("post", f"/api/v1/events/{event.public_id}/register/"),
        ("get", "/api/v1/events/mine/"),
        ("get", "/api/v1/events/mine/tickets/"),
        ("post", f"/api/v1/events/{event.public_id}/comments/"),
        ("put", f"/api/v1/events/{event.public_id}/favourite/"),
    ):
        response = getattr(client_a, method)(url, {}, content_type=JSON)
        assert response.status_code in (401, 403) and response.json()["code"] in (
            "not_authenticated",
            "authentication_failed",
        )
    user = get_user_model().objects.create_user(
        username="13700000019", phone="13700000019", password="x-Pass-12"
    )
    client_a.force_login(user)
    response = client_a.post(
        f"/api/v1/events/{event.public_id}/register/", {"ticket_type": 1}, content_type=JSON
    )
    assert response.status_code == 403 and response.json()["code"] == "account_not_linked"


def test_comments_photos_and_favourite(client_a, etree, events):
    event = events["alumni"]
    client_a.force_login(etree.users["alumnus"])
    posted = client_a.post(
        f"/api/v1/events/{event.public_id}/comments/", {"text": "求拼车"}, content_type=JSON
    )
    assert posted.status_code == 201 and posted.json()["status"] == "pending"
    empty = client_a.post(f"/api/v1/events/{event.public_id}/comments/", {"text": "   "}, content_type=JSON)
    assert empty.status_code == 400 and empty.json()["code"] in ("invalid", "comment_invalid")
    assert [c["text"] for c in client_a.get(f"/api/v1/events/{event.public_id}/comments/").json()] == [
        "求拼车"
    ]
    client_a.logout()
    assert client_a.get(f"/api/v1/events/{events['public'].public_id}/comments/").json() == []
    client_a.force_login(etree.users["outsider"])
    assert client_a.get(f"/api/v1/events/{event.public_id}/comments/").json() == []
    comment_moderate(comment=Comment.objects.get(), actor=etree.users["school_admin"], approve=True)
    assert [c["author"] for c in client_a.get(f"/api/v1/events/{event.public_id}/comments/").json()] == [
        etree.persons["alumnus"].name
    ]
    # Photos need a confirmed registration.
    buffer = BytesIO()
    Image.new("RGB", (30, 20), (10, 200, 10)).save(buffer, format="JPEG")
    upload = SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")
    refused = client_a.post(f"/api/v1/events/{event.public_id}/photos/", {"image": upload})
    assert refused.status_code == 403 and refused.json()["code"] == "not_attendee"
    client_a.post(
        f"/api/v1/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk}, content_type=JSON
    )
    upload.seek(0)
    created = client_a.post(
        f"/api/v1/events/{event.public_id}/photos/", {"image": upload, "caption": "大合影"}
    )
    assert (
        created.status_code == 201
        and created.json()["caption"] == "大合影"
        and created.json()["status"] == "pending"
    )
    assert Photo.objects.get().person_id == etree.persons["outsider"].pk
    not_image = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    bad = client_a.post(f"/api/v1/events/{event.public_id}/photos/", {"image": not_image})
    assert bad.status_code == 400 and bad.json()["code"] in ("invalid", "photo_invalid")
    # Favourite: PUT adds, DELETE removes, both idempotent.
    for _ in range(2):
        assert client_a.put(f"/api/v1/events/{event.public_id}/favourite/").json() == {"favourite": True}
    assert [e["title"] for e in client_a.get("/api/v1/events/mine/?tab=favourites").json()] == [
        "全校校友返校日"
    ]
    assert client_a.delete(f"/api/v1/events/{event.public_id}/favourite/").json() == {"favourite": False}
    assert client_a.get("/api/v1/events/mine/?tab=favourites").json() == []
    assert client_a.get("/api/v1/events/mine/?tab=bogus").json()["code"] == "invalid"


def test_members_only_event_is_not_reachable_by_others(client_a, etree, events):
    event = events["members"]
    client_a.force_login(etree.users["outsider"])
    for method, url in (
        ("get", f"/api/v1/events/{event.public_id}/"),
        ("post", f"/api/v1/events/{event.public_id}/register/"),
        ("get", f"/api/v1/events/{event.public_id}/comments/"),
        ("put", f"/api/v1/events/{event.public_id}/favourite/"),
    ):
        response = getattr(client_a, method)(url, {"ticket_type": ticket(event).pk}, content_type=JSON)
        assert response.status_code == 404 and response.json()["code"] == "event_not_found"
    assert not Registration.objects.filter(event=event).exists()


def test_organized_tab_lists_an_officers_events(client_a, etree, events):
    client_a.force_login(etree.users["admin_a"])
    assert [e["title"] for e in client_a.get("/api/v1/events/mine/?tab=organized").json()] == [
        "计算机学院年会"
    ]


def test_school_beta_sees_none_of_alphas_events(client_b, etree, events, school_b):
    assert client_b.get("/api/v1/events/").json()["results"] == []
    response = client_b.get(f"/api/v1/events/{events['public'].public_id}/")
    assert response.status_code == 404 and response.json()["code"] == "event_not_found"
    with inside(school_b):
        admin_b = get_user_model().objects.get(email="admin@beta.edu.cn")
        client_b.force_login(admin_b)
    assert client_b.get("/api/v1/events/?when=all").json()["results"] == []
    tickets = client_b.get("/api/v1/events/mine/tickets/")
    assert tickets.status_code == 403 or tickets.json() == []


def test_cancel_a_paid_registration_refunds_it(client_a, etree, events):
    event = events["paid"]
    client_a.force_login(etree.users["alumnus"])
    client_a.post(
        f"/api/v1/events/{event.public_id}/register/", {"ticket_type": ticket(event).pk}, content_type=JSON
    )
    registration = Registration.objects.get(event=event)
    payment = pay(registration)
    response = client_a.post(
        f"/api/v1/events/{event.public_id}/cancel/", {"reason": "行程冲突"}, content_type=JSON
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    payment.refresh_from_db()
    assert payment.state == "refunded"
    again = client_a.post(f"/api/v1/events/{event.public_id}/cancel/", {}, content_type=JSON)
    assert again.status_code == 409 and again.json()["code"] == "registration_state"
    client_a.force_login(etree.users["outsider"])
    none = client_a.post(f"/api/v1/events/{event.public_id}/cancel/", {}, content_type=JSON)
    assert none.status_code == 404 and none.json()["code"] == "not_found"
