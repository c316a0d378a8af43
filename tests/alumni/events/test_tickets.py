"""E-tickets: Ed25519 payloads, issuing one per head, changes that revoke old QR codes, the
holder's ticket page and PDF per role, and isolation between schools."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model

from alumni.events.errors import InvalidTicket
from alumni.events.models import Registration, RegistrationStatus, Ticket
from alumni.events.selectors.tickets import ticket_qr_payload
from alumni.events.services.tickets import ticket_change, tickets_issue, tickets_revoke
from alumni.events.signing import new_keypair, ticket_payload, ticket_verify
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import make_event, seat_for, ticket
from tests.conftest import inside


def _party(event, person, *, guests=()):
    registration = Registration.objects.create(
        event=event,
        person=person,
        ticket_type=ticket(event),
        status=RegistrationStatus.CONFIRMED,
        guests=[{"name": name} for name in guests],
    )
    return registration, tickets_issue(registration=registration)


def test_payload_verifies_with_the_event_key_only_and_resists_tampering():
    sealed, public = new_keypair()
    _, other_public = new_keypair()
    future = int(time.time()) + 3600
    payload = ticket_payload(
        private_sealed=sealed,
        event_public_id="EvT_1-x",
        ticket_code="0A1B2C3D4E",
        version=2,
        valid_until=future,
    )
    assert len(payload) < 140  # fits a small, quickly scanned QR code
    assert ticket_verify(payload, public_b64=public) == {
        "event": "EvT_1-x",
        "code": "0A1B2C3D4E",
        "version": 2,
        "valid_until": future,
    }
    with pytest.raises(InvalidTicket):
        ticket_verify(payload, public_b64=other_public)  # another event's key: forged
    tampered = payload.replace(".2.", ".3.", 1)  # raise the version without the private key
    with pytest.raises(InvalidTicket):
        ticket_verify(tampered, public_b64=public)
    for junk in ("", "T1.a.b.c", "hello", payload[:-3] + "AAA", "T1." + "x" * 300):
        with pytest.raises(InvalidTicket):
            ticket_verify(junk, public_b64=public)
    expired = ticket_payload(
        private_sealed=sealed, event_public_id="e", ticket_code="0A1B2C3D4E", version=1, valid_until=100
    )
    with pytest.raises(InvalidTicket) as caught:
        ticket_verify(expired, public_b64=public)
    assert caught.value.code == "ticket_expired"


def test_one_ticket_per_head_issued_once(etree):
    event = make_event(etree.a)
    registration, tickets = _party(event, etree.persons["alumnus"], guests=("王小明", "李华"))
    assert [(t.holder_name, t.is_guest) for t in tickets] == [
        (etree.persons["alumnus"].name, False),
        ("王小明", True),
        ("李华", True),
    ]
    again = tickets_issue(registration=registration)
    assert [t.pk for t in again] == [t.pk for t in tickets]
    assert Ticket.objects.filter(registration=registration).count() == 3
    verified = ticket_verify(ticket_qr_payload(tickets[1]), public_b64=event.verify_key)
    assert verified["code"] == tickets[1].code and verified["event"] == event.public_id


def test_change_bumps_version_and_cancel_revokes(etree):
    event = make_event(etree.a)
    registration, (mine,) = _party(event, etree.persons["alumnus"])
    old = ticket_qr_payload(mine)
    changed = ticket_change(ticket=mine, seat=seat_for(event), holder_name="新持票人")
    assert changed.version == mine.version + 1 and changed.seat.label == "A区 3排 12座"
    assert ticket_verify(old, public_b64=event.verify_key)["version"] < changed.version
    assert tickets_revoke(registration=registration, reason="本人取消") == 1
    revoked = Ticket.objects.get(pk=mine.pk)
    assert revoked.status == Ticket.Status.REVOKED and revoked.revoked_at is not None
    assert revoked.seat is None  # the seat goes back to the plan


@pytest.mark.parametrize(
    ("role", "status"),
    [("alumnus", 200), ("school_admin", 200), ("admin_a", 200), ("outsider", 404), ("anonymous", 302)],
)
def test_ticket_page_per_role(etree, client_a, role, status):
    event = make_event(etree.a)
    _, (_, guest) = _party(event, etree.persons["alumnus"], guests=("张三丰",))
    ticket_change(ticket=guest, seat=seat_for(event, "8号桌 5座"))
    if role != "anonymous":
        client_a.force_login(etree.users[role])
    page = client_a.get(f"/events/tickets/{guest.code}/")
    assert page.status_code == status
    pdf = client_a.get(f"/events/tickets/{guest.code}/pdf/")
    assert pdf.status_code == status
    if status == 200:
        html = page.content.decode()
        assert "张三丰" in html and "8号桌 5座" in html and event.title in html and "<svg" in html
        assert page["Cache-Control"] == "private, no-store"
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        everyone = client_a.get(f"/events/tickets/{guest.code}/pdf/?all=1")
        assert everyone.content.count(b"/Type /Page\n") + everyone.content.count(b"/Type /Page ") >= 1


def test_chapter_admin_of_another_chapter_cannot_see_tickets(etree, client_a):
    event = make_event(etree.b)
    _, (mine,) = _party(event, etree.persons["alumnus"])
    client_a.force_login(etree.users["admin_a"])
    assert client_a.get(f"/events/tickets/{mine.code}/").status_code == 404


def test_revoked_ticket_page_shows_no_qr(etree, client_a):
    event = make_event(etree.a)
    registration, (mine,) = _party(event, etree.persons["alumnus"])
    tickets_revoke(registration=registration, reason="取消")
    client_a.force_login(etree.users["alumnus"])
    html = client_a.get(f"/events/tickets/{mine.code}/").content.decode()
    assert "<svg" not in html.split("tk-qr")[1][:400] and "已作废" in html


def test_other_school_never_sees_the_ticket(etree, school_a, school_b, client_b):
    with inside(school_a):
        event = make_event(etree.a)
        _, (mine,) = _party(event, etree.persons["alumnus"])
    with inside(school_b):
        admin_b = get_user_model().objects.get(is_superuser=True, email="admin@beta.edu.cn")
        client_b.force_login(admin_b)
    assert client_b.get(f"/events/tickets/{mine.code}/").status_code == 404
    assert client_b.get(f"/events/tickets/{mine.code}/pdf/").status_code == 404
