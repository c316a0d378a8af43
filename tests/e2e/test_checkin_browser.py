"""The scanner page in a real browser going offline: it verifies Ed25519 signatures itself with
the cached bundle, refuses tampered and superseded QR codes, admits once, and uploads its
queued admissions when the network returns."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from alumni.events.models import Event, Registration, RegistrationStatus, Scan, Ticket
from alumni.events.selectors.tickets import ticket_qr_payload
from alumni.events.services.checkin import gate_save
from alumni.events.services.tickets import ticket_change, tickets_issue
from alumni.network.selectors import head_association
from alumni.people.models import Person
from tests.alumni.events.support import make_event, ticket
from tests.conftest import host_of, inside
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _party(event, name):
    person = Person.objects.create(name=name)
    registration = Registration.objects.create(
        event=event, person=person, ticket_type=ticket(event), status=RegistrationStatus.CONFIRMED
    )
    return tickets_issue(registration=registration)[0]


def test_offline_scanner_verifies_in_the_browser_and_uploads_later(page, live_server, school_a):
    port = urlsplit(live_server.url).port
    base = f"http://{host_of(school_a)}:{port}"
    event = None
    try:
        with inside(school_a):
            admin = get_user_model().objects.get(email="admin@alpha.edu.cn")
            event = make_event(head_association(), admin, title="离线验票演练")
            gate = gate_save(event=event, actor=admin, name="东门")
            guest = _party(event, "离线来宾")
            changed = _party(event, "换票来宾")
            old_payload = ticket_qr_payload(changed)
            changed = ticket_change(ticket=changed, holder_name="换票来宾乙")
            payload = ticket_qr_payload(guest)
            client = Client(HTTP_HOST=host_of(school_a))
            client.force_login(admin)
            session = client.cookies["sessionid"].value
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page.goto(f"{base}/events/{event.public_id}/checkin/")
        page.wait_for_function(
            f"() => localStorage.getItem('ck:{event.public_id}:bundle') !== null", timeout=20000
        )
        page.select_option("#ck-gate", str(gate.pk))
        assert not page.is_visible("#ck-wechat")  # outside WeChat there is no WeChat scanning
        page.context.set_offline(True)

        def scan(text: str) -> str:
            page.evaluate("document.getElementById('ck-result').dataset.result = ''")
            page.fill("#ck-input", text)
            page.press("#ck-input", "Enter")
            page.wait_for_function("() => document.getElementById('ck-result').dataset.result !== ''")
            return page.get_attribute("#ck-result", "data-result")

        tampered = payload.replace(f".{guest.code}.", f".{changed.code}.")
        assert scan(tampered) == "invalid"
        assert scan(old_payload) == "revoked"
        assert scan(payload) == "admitted"
        assert "离线来宾" in page.inner_text("#ck-result")
        assert scan(guest.code) == "already"  # this device remembers its own admissions
        screenshot(page, "checkin-offline")
        with inside(school_a):
            assert Scan.objects.filter(event=event).count() == 0  # nothing reached the server yet

        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_function("() => document.getElementById('ck-queue').hidden", timeout=20000)
        with inside(school_a):
            scan_row = Scan.objects.get(event=event)
            assert scan_row.offline and scan_row.result == "admitted" and scan_row.gate_id == gate.pk
            assert Ticket.objects.get(pk=guest.pk).checked_in_at is not None
    finally:
        with inside(school_a):
            if event is not None:
                Registration.objects.filter(event_id=event.pk).delete()
                Event.objects.filter(pk=event.pk).delete()
            Person.objects.filter(name__endswith="来宾").delete()
