"""Online check-in through the scanner API: every verdict a gate shows, retries with the same
nonce, gates, live counts, the scanner page and the back office, per role and per school."""

from __future__ import annotations

import secrets

import pytest
from django.contrib.auth import get_user_model

from alumni.core.models import AuditEntry
from alumni.events.models import Gate, Registration, RegistrationStatus, Scan, Ticket, TicketType
from alumni.events.selectors.tickets import ticket_qr_payload
from alumni.events.services.checkin import gate_save
from alumni.events.services.tickets import ticket_change, tickets_issue, tickets_revoke
from alumni.events.signing import new_keypair, ticket_payload
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import make_event, make_person, scanner_header, seat_for, ticket
from tests.conftest import inside


def _party(event, name="来宾", *, guests=(), type_name=None):
    person, _ = make_person(name, user=False)
    registration = Registration.objects.create(
        event=event,
        person=person,
        ticket_type=ticket(event, type_name),
        status=RegistrationStatus.CONFIRMED,
        guests=[{"name": g} for g in guests],
    )
    return registration, tickets_issue(registration=registration)


def _scan(client, event, payload, *, gate=None, nonce=None, headers=None):
    body = {"payload": payload, "gate": gate.pk if gate else None, "nonce": nonce or secrets.token_hex(8)}
    return client.post(
        f"/api/v1/events/{event.public_id}/checkin/scan/",
        body,
        content_type="application/json",
        **(headers or {}),
    )


@pytest.fixture
def venue(etree):
    event = make_event(etree.a)
    vip = TicketType.objects.create(event=event, name="贵宾票")
    admin = etree.users["school_admin"]
    gate_a = gate_save(event=event, actor=admin, name="A 门")
    gate_v = gate_save(event=event, actor=admin, name="贵宾通道", ticket_types=[vip])
    return event, gate_a, gate_v, vip


def test_every_verdict_a_gate_shows(etree, client_a, venue):
    event, gate_a, gate_v, _ = venue
    _, (guest,) = _party(event, "张伟")
    ticket_change(ticket=guest, seat=seat_for(event, "A区 3排 12座"))
    guest.refresh_from_db()
    client_a.force_login(etree.users["school_admin"])

    first = _scan(client_a, event, ticket_qr_payload(guest), gate=gate_a).json()
    assert first["result"] == "admitted" and first["label"] == "签到成功"
    assert first["holder_name"].startswith("张伟") and first["seat"] == "A区 3排 12座"
    assert first["ticket_type"] == ticket(event).name

    again = _scan(client_a, event, ticket_qr_payload(guest), gate=gate_v).json()
    assert again["result"] == "already" and again["gate"] == "A 门" and again["checked_in_at"]

    # A normal ticket at the VIP-only gate; then a VIP ticket there.
    _, (other,) = _party(event, "李娜")
    assert _scan(client_a, event, ticket_qr_payload(other), gate=gate_v).json()["result"] == "wrong_gate"
    _, (vip_ticket,) = _party(event, "赵敏", type_name="贵宾票")
    assert _scan(client_a, event, ticket_qr_payload(vip_ticket), gate=gate_v).json()["result"] == "admitted"

    # An old QR after a change, a cancelled registration, another event's ticket.
    _, (changed,) = _party(event, "周杰")
    old = ticket_qr_payload(changed)
    ticket_change(ticket=changed, holder_name="周杰伦")
    assert _scan(client_a, event, old, gate=gate_a).json()["result"] == "revoked"
    cancelled_reg, (cancelled,) = _party(event, "王芳")
    tickets_revoke(registration=cancelled_reg, reason="本人取消")
    assert _scan(client_a, event, ticket_qr_payload(cancelled), gate=gate_a).json()["result"] == "revoked"
    other_event = make_event(etree.a, title="另一场活动")
    _, (elsewhere,) = _party(other_event, "陈晨")
    assert _scan(client_a, event, ticket_qr_payload(elsewhere), gate=gate_a).json()["result"] == "wrong_event"
    assert _scan(client_a, event, elsewhere.code, gate=gate_a).json()["result"] == "wrong_event"

    # Forged (someone else's key, our event id) and tampered payloads.
    sealed, _ = new_keypair()
    forged = ticket_payload(
        private_sealed=sealed,
        event_public_id=event.public_id,
        ticket_code=other.code,
        version=1,
        valid_until=2_000_000_000,
    )
    assert _scan(client_a, event, forged, gate=gate_a).json()["result"] == "invalid"
    genuine = ticket_qr_payload(other)
    tampered = genuine.replace(f".{other.code}.", f".{changed.code}.")
    assert _scan(client_a, event, tampered, gate=gate_a).json()["result"] == "invalid"
    assert _scan(client_a, event, "not a ticket", gate=gate_a).json()["result"] == "invalid"

    # A typed ticket code admits like a scan.
    assert _scan(client_a, event, other.code.lower(), gate=gate_a).json()["result"] == "admitted"

    assert Ticket.objects.filter(event=event, checked_in_at__isnull=False).count() == 3
    logged = sorted(Scan.objects.filter(event=event).values_list("result", flat=True))
    assert logged.count("admitted") == 3 and logged.count("revoked") == 2 and logged.count("invalid") == 3


def test_a_retried_scan_answers_the_same_and_counts_once(etree, client_a, venue):
    event, gate_a, _, _ = venue
    _, (guest,) = _party(event)
    client_a.force_login(etree.users["school_admin"])
    nonce = secrets.token_hex(8)
    first = _scan(client_a, event, ticket_qr_payload(guest), gate=gate_a, nonce=nonce).json()
    retry = _scan(client_a, event, ticket_qr_payload(guest), gate=gate_a, nonce=nonce).json()
    assert first["result"] == retry["result"] == "admitted" and retry["replayed"] is True
    assert Scan.objects.filter(nonce=nonce).count() == 1
    # A nonce of another event cannot be used to read that scan.
    other = make_event(etree.a, title="别的活动")
    reused = _scan(client_a, other, ticket_qr_payload(guest), nonce=nonce)
    assert reused.status_code == 409 and reused.json()["code"] == "nonce_reused"
    bad = _scan(client_a, event, ticket_qr_payload(guest), gate=gate_a, nonce="x")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_a_gate_of_another_event_is_refused(etree, client_a, venue):
    event, _, _, _ = venue
    other = make_event(etree.a, title="另一场")
    foreign_gate = gate_save(event=other, actor=etree.users["school_admin"], name="北门")
    _, (guest,) = _party(event)
    client_a.force_login(etree.users["school_admin"])
    response = _scan(client_a, event, ticket_qr_payload(guest), gate=foreign_gate)
    assert response.status_code == 404 and response.json()["code"] == "gate_not_found"
    assert Ticket.objects.get(pk=guest.pk).checked_in_at is None


@pytest.mark.parametrize(
    ("role", "org", "status"),
    [
        ("school_admin", "a", 200),
        ("admin_a", "a", 200),
        ("president_a", "a", 200),
        ("admin_a", "b", 403),
        ("member_a", "a", 403),
        ("alumnus", "a", 403),
        ("anonymous", "a", 401),
    ],
)
def test_scan_api_per_role(etree, client_a, role, org, status):
    event = make_event(getattr(etree, org))
    _, (guest,) = _party(event)
    if role != "anonymous":
        client_a.force_login(etree.users[role])
    response = _scan(client_a, event, ticket_qr_payload(guest))
    assert response.status_code in ((401, 403) if status == 401 else (status,))
    if status != 200:
        assert response.json()["code"] in ("checkin_forbidden", "not_authenticated")
    assert (Ticket.objects.get(pk=guest.pk).checked_in_at is not None) == (status == 200)
    assert client_a.get(f"/api/v1/events/{event.public_id}/checkin/counts/").status_code in (
        (401, 403) if status == 401 else (status,)
    )
    page = client_a.get(f"/events/{event.public_id}/checkin/")
    assert page.status_code == {200: 200, 403: 403, 401: 302}[status]


def test_scanner_token_is_bound_to_its_event_and_school(etree, client_a, venue):
    event, gate_a, _, _ = venue
    other = make_event(etree.a, title="另一场")
    _, (guest,) = _party(event)
    staff = etree.users["admin_a"]
    page = client_a.get(f"/events/{event.public_id}/checkin/")
    assert page.status_code == 302  # anonymous: sign in first
    client_a.force_login(staff)
    html = client_a.get(f"/events/{event.public_id}/checkin/").content.decode()
    assert "A 门" in html and '"token"' in html
    client_a.logout()
    headers = scanner_header(staff, event)
    assert _scan(client_a, event, ticket_qr_payload(guest), gate=gate_a, headers=headers).json()[
        "result"
    ] == ("admitted")
    assert Scan.objects.get(ticket=guest).staff_id == staff.pk
    assert _scan(client_a, other, ticket_qr_payload(guest), headers=headers).status_code == 403
    forged = {"HTTP_AUTHORIZATION": headers["HTTP_AUTHORIZATION"][:-2] + "xx"}
    assert _scan(client_a, event, ticket_qr_payload(guest), headers=forged).status_code == 401


def test_counts_per_gate_and_overall(etree, client_a, venue):
    event, gate_a, gate_v, _ = venue
    _, tickets = _party(event, guests=("甲", "乙"))
    _, (vip_ticket,) = _party(event, "贵宾", type_name="贵宾票")
    client_a.force_login(etree.users["school_admin"])
    _scan(client_a, event, ticket_qr_payload(tickets[0]), gate=gate_a)
    _scan(client_a, event, ticket_qr_payload(vip_ticket), gate=gate_v)
    counts = client_a.get(f"/api/v1/events/{event.public_id}/checkin/counts/").json()
    assert (counts["checked_in"], counts["total"]) == (2, 4)
    by_name = {g["name"]: (g["checked_in"], g["expected"]) for g in counts["gates"]}
    assert by_name == {"A 门": (1, 4), "贵宾通道": (1, 1)}


def test_back_office_gates_tickets_and_log(etree, client_a, venue):
    event, gate_a, _, vip = venue
    _, (guest,) = _party(event, "孙悟空")
    admin = etree.users["school_admin"]
    client_a.force_login(admin)
    dashboard = client_a.get(f"/admin/events/checkin/{event.pk}/")
    assert dashboard.status_code == 200 and "A 门" in dashboard.content.decode()
    response = client_a.post(
        f"/admin/events/checkin/{event.pk}/gates/",
        {"name": "B 门", "sort_order": 2, "ticket_types": [vip.pk]},
    )
    assert response.status_code == 302
    gate_b = Gate.objects.get(event=event, name="B 门")
    assert list(gate_b.ticket_types.all()) == [vip]
    assert AuditEntry.objects.filter(action="events.gate_save", object_id=str(gate_b.pk)).exists()

    listing = client_a.get(f"/admin/events/checkin/{event.pk}/tickets/?q=孙悟空").content.decode()
    assert guest.code in listing
    old = ticket_qr_payload(guest)
    client_a.post(f"/admin/events/checkin/{event.pk}/tickets/{guest.pk}/reissue/")
    assert Ticket.objects.get(pk=guest.pk).version == guest.version + 1
    client_a.post(f"/admin/events/checkin/{event.pk}/tickets/{guest.pk}/revoke/", {"reason": "遗失"})
    assert Ticket.objects.get(pk=guest.pk).status == Ticket.Status.REVOKED
    assert _scan(client_a, event, old, gate=gate_a).json()["result"] == "revoked"
    log = client_a.get(f"/admin/events/checkin/{event.pk}/?result=revoked").content.decode()
    assert guest.code in log and "票已作废" in log
    client_a.post(f"/admin/events/checkin/{event.pk}/gates/{gate_b.pk}/delete/")
    assert not Gate.objects.filter(pk=gate_b.pk).exists()


def test_back_office_needs_event_management(etree, client_a):
    event_b = make_event(etree.b)
    for role in ("alumnus", "admin_a"):
        client_a.force_login(etree.users[role])
        assert client_a.get(f"/admin/events/checkin/{event_b.pk}/").status_code in (302, 403)
        client_a.post(f"/admin/events/checkin/{event_b.pk}/gates/", {"name": "X 门"})
    assert not Gate.objects.filter(event=event_b).exists()


def test_other_school_cannot_scan_or_see(etree, school_a, school_b, client_b):
    with inside(school_a):
        event = make_event(etree.a)
        _, (guest,) = _party(event)
        staff_header = scanner_header(etree.users["school_admin"], event)
        payload = ticket_qr_payload(guest)
    with inside(school_b):
        admin_b = get_user_model().objects.get(is_superuser=True, email="admin@beta.edu.cn")
        client_b.force_login(admin_b)
    assert _scan(client_b, event, payload).status_code == 404
    assert client_b.get(f"/api/v1/events/{event.public_id}/checkin/bundle/").status_code == 404
    assert client_b.get(f"/events/{event.public_id}/checkin/").status_code == 404
    client_b.logout()
    # alpha's scanner token on beta's host is not a credential there.
    assert _scan(client_b, event, payload, headers=staff_header).status_code == 401
    with inside(school_a):
        assert Ticket.objects.get(pk=guest.pk).checked_in_at is None


def test_only_a_signed_in_staff_member_mints_scanner_tokens(etree, client_a, venue):
    event, gate_a, _, _ = venue
    _, (guest,) = _party(event)
    url = f"/api/v1/events/{event.public_id}/checkin/token/"
    staff = etree.users["admin_a"]
    # A token cannot renew itself (it would outlive the permission check behind it).
    assert client_a.post(url, **scanner_header(staff, event)).status_code == 403
    client_a.force_login(etree.users["alumnus"])
    assert client_a.post(url).status_code == 403
    client_a.force_login(staff)
    token = client_a.post(url).json()["token"]
    client_a.logout()
    header = {"HTTP_AUTHORIZATION": f"Scanner {token}"}
    assert _scan(client_a, event, ticket_qr_payload(guest), gate=gate_a, headers=header).json()["result"] == (
        "admitted"
    )
