"""Offline scanners: the bundle they cache, and uploads that reveal double admissions."""

from __future__ import annotations

import base64
import secrets
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from alumni.events.models import Registration, RegistrationStatus, Scan, Ticket
from alumni.events.selectors.tickets import ticket_qr_payload
from alumni.events.services.checkin import gate_save
from alumni.events.services.tickets import ticket_change, tickets_issue, tickets_revoke
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import make_event, make_person, scanner_header, ticket


def _party(event, name="来宾"):
    person, _ = make_person(name, user=False)
    registration = Registration.objects.create(
        event=event, person=person, ticket_type=ticket(event), status=RegistrationStatus.CONFIRMED
    )
    return registration, tickets_issue(registration=registration)[0]


def _upload(client, event, scans, headers):
    return client.post(
        f"/api/v1/events/{event.public_id}/checkin/upload/",
        {"scans": scans},
        content_type="application/json",
        **headers,
    )


def _offline_scan(t, gate, minutes_ago=0):
    return {
        "nonce": secrets.token_hex(8),
        "payload": ticket_qr_payload(t),
        "gate": gate.pk,
        "scanned_at": int((time.time() - minutes_ago * 60) * 1000),
    }


@pytest.fixture
def scene(etree):
    event = make_event(etree.a)
    gate_a = gate_save(event=event, actor=etree.users["school_admin"], name="A 门")
    gate_b = gate_save(event=event, actor=etree.users["school_admin"], name="B 门")
    return event, gate_a, gate_b, scanner_header(etree.users["admin_a"], event)


def test_bundle_lets_a_scanner_verify_and_revoke_alone(etree, client_a, scene):
    event, _, _, headers = scene
    _, kept = _party(event, "钱多多")
    _, changed = _party(event, "换座人")
    old_payload = ticket_qr_payload(changed)
    ticket_change(ticket=changed, holder_name="换座人乙")
    cancelled_reg, cancelled = _party(event, "退出者")
    tickets_revoke(registration=cancelled_reg, reason="取消")

    bundle = client_a.get(f"/api/v1/events/{event.public_id}/checkin/bundle/", **headers).json()
    assert bundle["event"] == event.public_id and {g["name"] for g in bundle["gates"]} == {"A 门", "B 门"}
    assert cancelled.code in bundle["revoked"]
    by_code = {t["code"]: t for t in bundle["tickets"]}
    assert by_code[kept.code]["name"].startswith("钱多多") and by_code[changed.code]["version"] == 2
    # What the browser does with the bundle: the key verifies the QR, the version refuses the old one.
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(bundle["public_key"]))
    for payload in (ticket_qr_payload(kept), old_payload):
        message, _, signature = payload.rpartition(".")
        key.verify(base64.urlsafe_b64decode(signature + "=="), message.encode())
    assert int(old_payload.split(".")[3]) < by_code[changed.code]["version"]


def test_double_admission_offline_is_reported_as_a_conflict(etree, client_a, scene):
    event, gate_a, gate_b, headers = scene
    _, guest = _party(event, "吴双")
    # Two offline scanners both let the same person in.
    first, second = _offline_scan(guest, gate_a, minutes_ago=5), _offline_scan(guest, gate_b, minutes_ago=2)
    results = _upload(client_a, event, [first, second], headers).json()["results"]
    assert [r["result"] for r in results] == ["admitted", "conflict"]
    assert results[1]["gate"] == "A 门"  # where the first admission happened
    # The scanner retries the same upload (lost response): nothing counts twice.
    again = _upload(client_a, event, [first, second], headers).json()["results"]
    assert [r["result"] for r in again] == ["admitted", "conflict"] and all(r["replayed"] for r in again)
    assert Scan.objects.filter(event=event).count() == 2

    # An online admission, then an offline scanner that admitted the same ticket later.
    _, other = _party(event, "郑好")
    online = client_a.post(
        f"/api/v1/events/{event.public_id}/checkin/scan/",
        {"payload": ticket_qr_payload(other), "gate": gate_a.pk, "nonce": secrets.token_hex(8)},
        content_type="application/json",
        **headers,
    ).json()
    assert online["result"] == "admitted"
    late = _upload(client_a, event, [_offline_scan(other, gate_b)], headers).json()["results"]
    assert late[0]["result"] == "conflict"

    client_a.force_login(etree.users["school_admin"])
    dashboard = client_a.get(f"/admin/events/checkin/{event.pk}/").content.decode()
    assert guest.code in dashboard and other.code in dashboard and "离线重复入场" in dashboard
    counts = client_a.get(f"/api/v1/events/{event.public_id}/checkin/counts/").json()
    assert counts["conflicts"] == 2 and counts["checked_in"] == 2


def test_upload_checks_each_scan(etree, client_a, scene):
    event, gate_a, _, headers = scene
    other_event = make_event(etree.a, title="隔壁活动")
    foreign_gate = gate_save(event=other_event, actor=etree.users["school_admin"], name="北门")
    _, guest = _party(event)
    _, stranger = _party(other_event)
    scans = [
        {**_offline_scan(guest, gate_a), "gate": foreign_gate.pk},
        _offline_scan(stranger, gate_a),
        {**_offline_scan(guest, gate_a), "payload": ticket_qr_payload(guest)[:-4] + "AAAA"},
        {**_offline_scan(guest, gate_a), "nonce": "short"},
        {**_offline_scan(guest, gate_a), "scanned_at": int((time.time() + 86400) * 1000)},
    ]
    results = _upload(client_a, event, scans, headers).json()["results"]
    assert [r["result"] for r in results] == ["error", "wrong_event", "invalid", "error", "admitted"]
    # A scanner clock ahead of the server's is clamped to now.
    assert Ticket.objects.get(pk=guest.pk).checked_in_at.timestamp() <= time.time()
    too_many = _upload(client_a, event, [_offline_scan(guest, gate_a)] * 501, headers)
    assert too_many.status_code == 400


@pytest.mark.parametrize(("role", "status"), [("alumnus", 403), ("admin_a", 200), ("member_a", 403)])
def test_bundle_and_upload_per_role(etree, client_a, role, status):
    event = make_event(etree.a)
    _, guest = _party(event)
    client_a.force_login(etree.users[role])
    bundle = client_a.get(f"/api/v1/events/{event.public_id}/checkin/bundle/")
    assert bundle.status_code == status
    upload = client_a.post(
        f"/api/v1/events/{event.public_id}/checkin/upload/",
        {"scans": [{"nonce": secrets.token_hex(8), "payload": ticket_qr_payload(guest)}]},
        content_type="application/json",
    )
    assert upload.status_code == status
    assert (Ticket.objects.get(pk=guest.pk).checked_in_at is not None) == (status == 200)
    client_a.logout()
    assert client_a.get(f"/api/v1/events/{event.public_id}/checkin/bundle/").status_code in (401, 403)
