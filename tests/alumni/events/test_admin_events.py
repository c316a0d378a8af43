"""活动管理 back office per role: event list and editor, proposal review, registrations (approve,
reject, cancel with refund, XLSX export with masked phones, notices), invitation codes, the
blacklist, the to-dos, and isolation from the second school."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from alumni.core.todos import todo_items
from alumni.events.models import (
    BlacklistEntry,
    Event,
    EventStatus,
    InvitationCode,
    Registration,
    RegistrationStatus,
)
from alumni.events.services.events import event_propose
from alumni.events.services.registrations import registration_submit
from alumni.messaging.models import MessageLog
from billing.payments.models import Refund
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import event_fields, make_event, pay, ticket
from tests.alumni.people.admin_support import logged_in
from tests.conftest import inside

pytestmark = pytest.mark.django_db
S = RegistrationStatus
PHONE = "13912345678"


@pytest.fixture
def setup(etree, school_a):
    with inside(school_a):
        etree.users["admin_a"].groups.add(Group.objects.get(name="Editors"))
        alumnus = etree.persons["alumnus"]
        alumnus.phones = [PHONE]
        alumnus.save()
        ev_a = make_event(etree.a, title="A院返校日", requires_approval=True)
        ev_b = make_event(etree.b, title="上海年会")
        reg = registration_submit(event=ev_a, person=alumnus, ticket_type=ticket(ev_a))
    clients = {
        "school_admin": logged_in(school_a, etree.users["school_admin"]),
        "admin_a": logged_in(school_a, etree.users["admin_a"]),
        "alumnus": logged_in(school_a, etree.users["alumnus"]),
    }
    return {"tree": etree, "a": ev_a, "b": ev_b, "reg": reg, "clients": clients}


def denied(response) -> bool:
    """Wagtail turns a PermissionDenied in its admin into a redirect to the dashboard."""
    return response.status_code == 302 and response.url == "/admin/"


def _titles(response) -> set[str]:
    return {event.title for event in response.context["events"]}


def test_event_list_per_role(setup, client_a):
    clients = setup["clients"]
    assert _titles(clients["school_admin"].get("/admin/events/")) == {"A院返校日", "上海年会"}
    assert _titles(clients["admin_a"].get("/admin/events/")) == {"A院返校日"}
    assert _titles(clients["school_admin"].get("/admin/events/", {"q": "上海"})) == {"上海年会"}
    org_filter = {"organization": str(setup["tree"].b.pk)}
    assert _titles(clients["school_admin"].get("/admin/events/", org_filter)) == {"上海年会"}
    assert _titles(clients["school_admin"].get("/admin/events/", {"pending": "1"})) == {"A院返校日"}
    assert clients["alumnus"].get("/admin/events/").status_code == 302  # no back office
    assert client_a.get("/admin/events/").status_code == 302  # anonymous → login
    assert denied(clients["admin_a"].get(f"/admin/events/{setup['b'].pk}/edit/"))
    assert denied(clients["admin_a"].get(f"/admin/events/{setup['b'].pk}/registrations/"))


def _editor_post(org_pk, **overrides) -> dict:
    fields = event_fields(title="计算机系晚宴")
    data = {
        "organization": str(org_pk),
        "title": fields["title"],
        "starts_at": fields["starts_at"].strftime("%Y-%m-%dT%H:%M"),
        "ends_at": fields["ends_at"].strftime("%Y-%m-%dT%H:%M"),
        "place": "校友楼",
        "visibility": "alumni",
        "capacity": "120",
        "guests_allowed": "1",
        "waitlist_enabled": "on",
        "tags": "晚宴,返校",
        "tt-TOTAL_FORMS": "2",
        "tt-INITIAL_FORMS": "0",
        "tt-0-name": "晚宴票",
        "tt-0-price": "288.00",
        "tt-0-quota": "100",
        "tt-0-is_active": "on",
        "tt-1-name": "",
        "tt-1-price": "0",
        "ff-TOTAL_FORMS": "1",
        "ff-INITIAL_FORMS": "0",
        "ff-0-label": "餐食",
        "ff-0-type": "choice",
        "ff-0-options": "普通\n素食",
        "ff-0-required": "on",
    }
    data.update(overrides)
    return data


def test_chapter_admin_creates_event_with_paid_ticket_and_form(setup, school_a):
    client = setup["clients"]["admin_a"]
    response = client.post("/admin/events/add/", _editor_post(setup["tree"].a.pk))
    assert response.status_code == 302, response.context and response.context["form"].errors
    with inside(school_a):
        event = Event.objects.get(title="计算机系晚宴")
        assert event.status == EventStatus.DRAFT and event.capacity == 120 and event.tags == ["晚宴", "返校"]
        assert [(t.name, t.price, t.quota) for t in event.ticket_types.all()] == [("晚宴票", 28800, 100)]
        assert event.form[0]["label"] == "餐食" and event.form[0]["options"] == ["普通", "素食"]
        assert event.verify_key
    refused = client.post("/admin/events/add/", _editor_post(setup["tree"].b.pk))
    assert refused.status_code == 200 and "organization" in refused.context["form"].errors
    assert client.post(f"/admin/events/{event.pk}/publish/").status_code == 302
    with inside(school_a):
        assert Event.objects.get(pk=event.pk).status == EventStatus.PUBLISHED


def test_registrations_approve_reject_cancel_with_refund(setup, school_a):
    client, reg = setup["clients"]["admin_a"], setup["reg"]
    response = client.get(f"/admin/events/{setup['a'].pk}/registrations/")
    assert response.status_code == 200 and setup["tree"].persons["alumnus"].name in response.content.decode()
    assert "139****5678" in response.content.decode()  # chapter admins see masked phones
    assert client.post(f"/admin/events/registrations/{reg.pk}/approve/").status_code == 302
    with inside(school_a):
        assert Registration.objects.get(pk=reg.pk).status == S.CONFIRMED
        paid_event = make_event(
            setup["tree"].a, title="付费讲座", ticket_types=[{"name": "门票", "price": 9900}]
        )
        paid = registration_submit(
            event=paid_event, person=setup["tree"].persons["outsider"], ticket_type=ticket(paid_event)
        )
        pay(paid)
        other = registration_submit(
            event=setup["a"], person=setup["tree"].persons["member_a"], ticket_type=ticket(setup["a"])
        )
    client.post(f"/admin/events/registrations/{other.pk}/reject/", {"reason": "非本院校友"})
    client.post(f"/admin/events/registrations/{paid.pk}/cancel/", {"reason": "讲座取消"})
    with inside(school_a):
        assert Registration.objects.get(pk=other.pk).reject_reason == "非本院校友"
        assert Registration.objects.get(pk=paid.pk).status == S.CANCELLED
        assert Refund.objects.get(payment__reference=paid.payment_reference).amount == 9900
        b_reg = registration_submit(
            event=setup["b"], person=setup["tree"].persons["member_a"], ticket_type=ticket(setup["b"])
        )
    assert denied(client.post(f"/admin/events/registrations/{b_reg.pk}/cancel/"))
    with inside(school_a):
        assert Registration.objects.get(pk=b_reg.pk).status == S.CONFIRMED


def _sheet(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_export_masks_phones_unless_school_admin(setup):
    url = f"/admin/events/{setup['a'].pk}/registrations/export/"
    admin_rows = _sheet(setup["clients"]["school_admin"].get(url))
    chapter_rows = _sheet(setup["clients"]["admin_a"].get(url))
    assert admin_rows[0][:3] == ("报名时间", "姓名", "手机")
    assert admin_rows[1][2] == PHONE
    assert chapter_rows[1][2] == "139****5678"
    assert denied(setup["clients"]["admin_a"].get(f"/admin/events/{setup['b'].pk}/registrations/export/"))


def test_notify_registrants_filtered_by_status(setup, school_a):
    with inside(school_a):
        waiting = registration_submit(
            event=setup["a"], person=setup["tree"].persons["outsider"], ticket_type=ticket(setup["a"])
        )
    url = f"/admin/events/{setup['a'].pk}/registrations/"
    data = {
        "subject": "集合时间调整",
        "text": "请提前半小时到场",
        "status": "pending_approval",
        "ticket_type": "",
        "key": "k1",
    }
    assert setup["clients"]["admin_a"].post(url, data).status_code == 302
    setup["clients"]["admin_a"].post(url, data)  # a resubmitted form sends nothing twice
    with inside(school_a):
        sent = MessageLog.objects.filter(subject="集合时间调整", channel="inapp")
        assert sorted(sent.values_list("person_id", flat=True)) == sorted(
            [setup["reg"].person_id, waiting.person_id]
        )


def test_proposal_review_queue_and_todos(setup, school_a, rf):
    with inside(school_a):
        proposal = event_propose(
            person=setup["tree"].persons["alumnus"],
            organization=setup["tree"].a,
            **event_fields(title="十年重聚"),
        )
        request = rf.get("/admin/")
        request.user = setup["tree"].users["admin_a"]
        labels = {item.label: item.count for item in todo_items(request)}
        assert labels["待审核的活动申请"] == 1 and labels["待审核的活动报名"] == 1
    client = setup["clients"]["admin_a"]
    queue = client.get("/admin/events/proposals/")
    assert [e.title for e in queue.context["events"]] == ["十年重聚"]
    client.post(f"/admin/events/{proposal.pk}/review/", {"decision": "reject", "reason": "与校庆冲突"})
    with inside(school_a):
        assert Event.objects.get(pk=proposal.pk).reject_reason == "与校庆冲突"
    assert (
        setup["clients"]["alumnus"]
        .post(f"/admin/events/{proposal.pk}/review/", {"decision": "approve"})
        .status_code
        == 302
    )
    with inside(school_a):
        assert Event.objects.get(pk=proposal.pk).status == EventStatus.REJECTED  # the alumnus changed nothing


def test_flags_delete_and_invitation_codes(setup, school_a):
    client = setup["clients"]["admin_a"]
    client.post(f"/admin/events/{setup['a'].pk}/flags/", {"flag": "pinned", "on": "1"})
    client.post(f"/admin/events/{setup['a'].pk}/codes/", {"count": "3", "max_uses": "1", "note": "校董"})
    with inside(school_a):
        assert Event.objects.get(pk=setup["a"].pk).is_pinned
        assert InvitationCode.objects.filter(event=setup["a"], note="校董").count() == 3
    client.post(f"/admin/events/{setup['a'].pk}/delete/")  # refused: a live registration
    with inside(school_a):
        assert not Event.objects.get(pk=setup["a"].pk).is_deleted
    assert denied(client.post(f"/admin/events/{setup['b'].pk}/delete/"))


def test_blacklist_is_for_school_admins(setup, school_a):
    data = {"person": PHONE, "reason": "多次爽约"}
    assert denied(setup["clients"]["admin_a"].post("/admin/events/blacklist/", data))
    assert setup["clients"]["school_admin"].post("/admin/events/blacklist/", data).status_code == 302
    with inside(school_a):
        entry = BlacklistEntry.objects.get(person=setup["tree"].persons["alumnus"])
        assert entry.reason == "多次爽约"
    setup["clients"]["school_admin"].post(f"/admin/events/blacklist/{entry.pk}/remove/")
    with inside(school_a):
        assert not BlacklistEntry.objects.exists()


def test_menu_item_and_isolation(setup, school_b, school_a):
    dashboard = setup["clients"]["school_admin"].get("/admin/")
    page = dashboard.content.decode()
    assert "活动管理" in page or "\\u6d3b\\u52a8\\u7ba1\\u7406" in page  # the menu (JSON)
    with inside(school_b):
        from django.contrib.auth import get_user_model

        beta_admin = get_user_model().objects.get(email="admin@beta.edu.cn")
    beta = logged_in(school_b, beta_admin)
    assert _titles(beta.get("/admin/events/")) == set()
    assert beta.get(f"/admin/events/{setup['a'].pk}/registrations/").status_code == 404


def test_editing_an_event_keeps_its_registrations_counted(setup, school_a):
    client, event = setup["clients"]["admin_a"], setup["a"]
    page = client.get(f"/admin/events/{event.pk}/edit/")
    assert page.status_code == 200 and "A院返校日" in page.content.decode()
    with inside(school_a):
        tt = ticket(event)
    data = _editor_post(
        setup["tree"].a.pk,
        title="A院返校日（更新）",
        capacity="50",
        **{
            "tt-TOTAL_FORMS": "1",
            "tt-INITIAL_FORMS": "1",
            "tt-0-id": str(tt.pk),
            "tt-0-name": "普通票",
            "tt-0-price": "0",
            "tt-0-quota": "",
        },
    )
    data.pop("organization")
    data.pop("tt-0-is_active")  # unticked: no new registrations for this ticket type
    assert client.post(f"/admin/events/{event.pk}/edit/", data).status_code == 302
    with inside(school_a):
        fresh = Event.objects.get(pk=event.pk)
        assert (fresh.title, fresh.capacity) == ("A院返校日（更新）", 50)
        assert [(t.name, t.price, t.is_active) for t in fresh.ticket_types.all()] == [("普通票", 0, False)]
