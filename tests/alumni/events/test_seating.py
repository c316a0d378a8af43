"""Seat plans: rows and tables, reserved seats, automatic assignment keeping parties together,
manual moves that change the QR code, per-role permission and the back-office seat map."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from alumni.core.models import AuditEntry
from alumni.events.errors import EventNotAllowed, SeatingInvalid, SeatingLocked, SeatTaken
from alumni.events.models import Seat, SeatPlan, Ticket, TicketType
from alumni.events.services.seating import (
    seat_assign,
    seat_plan_generate,
    seat_unassign,
    seats_auto_assign,
    seats_reserve,
)
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import confirmed_party, make_event
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _admin():
    return get_user_model().objects.get(is_superuser=True, email="admin@alpha.edu.cn")


def _seat_rows(event, **kwargs):
    params = {"kind": SeatPlan.Kind.ROWS, "sections": ["A区", "B区"], "rows": 2, "seats_per_row": 3}
    params.update(kwargs)
    return seat_plan_generate(event=event, actor=_admin(), **params)


def test_rows_and_tables_get_readable_labels(etree):
    event = make_event(etree.a)
    plan = _seat_rows(event)
    labels = list(Seat.objects.filter(plan=plan).order_by("sort_key").values_list("label", flat=True))
    assert labels[:4] == ["A区 1排 1座", "A区 1排 2座", "A区 1排 3座", "A区 2排 1座"]
    assert len(labels) == 12 and labels[-1] == "B区 2排 3座"

    plan = seat_plan_generate(
        event=event, actor=_admin(), kind=SeatPlan.Kind.TABLES, tables=3, seats_per_table=10
    )
    labels = list(Seat.objects.filter(plan=plan).order_by("sort_key").values_list("label", flat=True))
    assert len(labels) == 30 and labels[0] == "1号桌 1座" and labels[-1] == "3号桌 10座"
    with pytest.raises(SeatingInvalid):
        seat_plan_generate(
            event=event, actor=_admin(), kind=SeatPlan.Kind.TABLES, tables=0, seats_per_table=10
        )


def test_auto_assign_follows_registration_order_and_keeps_parties_together(etree):
    event = make_event(etree.a, guests_allowed=3)
    seat_plan_generate(event=event, actor=_admin(), kind=SeatPlan.Kind.TABLES, tables=3, seats_per_table=4)
    _, first_t = confirmed_party(event, "甲", guests=2)  # 3 heads → table 1
    _, second_t = confirmed_party(event, "乙", guests=1)  # 2 heads: table 1 has 1 left → table 2
    _, third_t = confirmed_party(event, "丙")  # 1 head → the seat left at table 1
    assert seats_auto_assign(event=event, actor=_admin()) == 6

    def tables(tickets):
        return {Ticket.objects.select_related("seat").get(pk=t.pk).seat.row for t in tickets}

    assert tables(first_t) == {"1"}
    assert tables(second_t) == {"2"}
    assert tables(third_t) == {"1"}
    registrant = Ticket.objects.select_related("seat").get(pk=first_t[0].pk)
    assert registrant.seat.label == "1号桌 1座" and registrant.version == 1
    # Running again seats nobody twice.
    assert seats_auto_assign(event=event, actor=_admin()) == 0
    assert AuditEntry.objects.filter(action="events.seats_auto_assign").count() == 2


def test_reserved_seats_and_ticket_type_filter(etree):
    event = make_event(etree.a, ticket_types=[{"name": "普通票"}, {"name": "嘉宾票"}])
    plan = _seat_rows(event, sections=["VIP", "大众"], rows=1, seats_per_row=4)
    vip_first = Seat.objects.get(plan=plan, section="VIP", number=1)
    assert seats_reserve(event=event, actor=_admin(), seat_ids=[vip_first.pk], reserved=True) == 1
    _, guests = confirmed_party(event, "嘉宾", type_name="嘉宾票")
    _, normal = confirmed_party(event, "普通")
    vip_type = TicketType.objects.get(event=event, name="嘉宾票")
    assert seats_auto_assign(event=event, actor=_admin(), ticket_type_id=vip_type.pk, section="VIP") == 1
    assert Ticket.objects.get(pk=guests[0].pk).seat.label == "VIP 1排 2座"
    assert Ticket.objects.get(pk=normal[0].pk).seat is None
    assert seats_auto_assign(event=event, actor=_admin(), section="大众") == 1
    assert Ticket.objects.get(pk=normal[0].pk).seat.label == "大众 1排 1座"
    assert not Ticket.objects.filter(seat=vip_first).exists()


def test_full_plan_leaves_the_rest_unseated(etree):
    event = make_event(etree.a, guests_allowed=2)
    _seat_rows(event, sections=[""], rows=1, seats_per_row=3)
    confirmed_party(event, "一", guests=1)
    _, second = confirmed_party(event, "二", guests=2)
    assert seats_auto_assign(event=event, actor=_admin()) == 3
    # The second party could not sit together (1 seat left), so one of them got the last seat.
    assert Ticket.objects.filter(registration=second[0].registration, seat__isnull=False).count() == 1


def test_manual_move_changes_the_qr_and_refuses_taken_seats(etree):
    event = make_event(etree.a)
    plan = _seat_rows(event, sections=[""], rows=1, seats_per_row=3)
    _, (alice,) = confirmed_party(event, "张")
    _, (bob,) = confirmed_party(event, "李")
    seats_auto_assign(event=event, actor=_admin())
    alice = Ticket.objects.get(pk=alice.pk)
    third = Seat.objects.get(plan=plan, number=3)
    moved = seat_assign(ticket=alice, seat=third, actor=_admin())
    assert moved.seat_id == third.pk and moved.version == alice.version + 1
    with pytest.raises(SeatTaken):
        seat_assign(ticket=Ticket.objects.get(pk=bob.pk), seat=third, actor=_admin())
    other_event = make_event(etree.b)
    other_plan = _seat_rows(other_event, sections=[""], rows=1, seats_per_row=1)
    with pytest.raises(SeatingInvalid):
        seat_assign(ticket=moved, seat=Seat.objects.get(plan=other_plan), actor=_admin())
    freed = seat_unassign(ticket=moved, actor=_admin())
    assert freed.seat is None
    # A plan with seats in use cannot be regenerated.
    with pytest.raises(SeatingLocked):
        _seat_rows(event)


def test_chapter_admins_seat_their_subtree_only(etree):
    own = make_event(etree.a1)
    other = make_event(etree.b)
    plan = seat_plan_generate(
        event=own, actor=etree.users["admin_a"], kind=SeatPlan.Kind.TABLES, tables=1, seats_per_table=2
    )
    confirmed_party(own, "会员")
    assert seats_auto_assign(event=own, actor=etree.users["president_a"]) == 1
    for role in ("admin_a", "member_a", "alumnus"):
        with pytest.raises(EventNotAllowed):
            seat_plan_generate(
                event=other, actor=etree.users[role], kind=SeatPlan.Kind.TABLES, tables=1, seats_per_table=2
            )
    for role in ("member_a", "alumnus"):
        with pytest.raises(EventNotAllowed):
            seats_auto_assign(event=own, actor=etree.users[role])
        with pytest.raises(EventNotAllowed):
            seats_reserve(event=own, actor=etree.users[role], seat_ids=[plan.seats.first().pk], reserved=True)


def test_back_office_seat_map_per_role_and_school(school_b, client_b, etree, client_a):
    event = make_event(etree.a)
    _seat_rows(event, sections=[""], rows=1, seats_per_row=2)
    _, (ticket,) = confirmed_party(event, "王")
    seats_auto_assign(event=event, actor=_admin())
    url = f"/admin/events/seating/{event.pk}/"

    client_a.force_login(_admin())
    page = client_a.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "1排 1座" in html and ticket.code in html

    for role, expected in (("member_a", (302, 403)), ("alumnus", (302, 403))):
        client_a.force_login(etree.users[role])
        assert client_a.get(url).status_code in expected
    client_a.logout()
    assert client_a.get(url).status_code == 302

    with inside(school_b):
        client_b.force_login(get_user_model().objects.get(is_superuser=True, email="admin@beta.edu.cn"))
    assert client_b.get(url).status_code == 404
