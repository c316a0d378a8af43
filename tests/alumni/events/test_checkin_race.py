"""Sixteen gates scanning one ticket at the same moment admit it once; sixteen retries of one
scan (same nonce) record one scan. Real concurrent transactions on separate connections."""

from __future__ import annotations

import secrets
import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from alumni.core.models import AuditEntry
from alumni.events.models import Event, Registration, RegistrationStatus, Scan, Ticket
from alumni.events.selectors.tickets import ticket_qr_payload
from alumni.events.services.checkin import checkin_scan
from alumni.events.services.tickets import tickets_issue
from alumni.network.models import Organization
from alumni.people.models import Person
from tests.alumni.events.support import build_tree, make_event, make_person, ticket
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)

GATES = 16


def _scan_concurrently(school, event, payload, nonces) -> list[dict]:
    barrier = threading.Barrier(len(nonces))
    results: list[dict] = []
    errors: list[BaseException] = []

    def scan(nonce):
        try:
            with inside(school):
                barrier.wait(timeout=20)
                outcome = checkin_scan(
                    event_id=event.pk,
                    event_public_id=event.public_id,
                    verify_key=event.verify_key,
                    gate_id=None,
                    payload=payload,
                    nonce=nonce,
                    staff_id=None,
                )
                results.append(outcome.as_dict())
        except BaseException as exc:  # surfaced below: a thread must not fail silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan, args=(nonce,)) for nonce in nonces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_sixteen_gates_admit_one_ticket_once(school_a):
    event = None
    try:
        with inside(school_a):
            tree = build_tree()
            event = make_event(tree.a)
            person, _ = make_person("并发来宾", user=False)
            registration = Registration.objects.create(
                event=event, person=person, ticket_type=ticket(event), status=RegistrationStatus.CONFIRMED
            )
            (guest,) = tickets_issue(registration=registration)
            event = Event.objects.get(pk=event.pk)
            payload = ticket_qr_payload(guest)

        results = _scan_concurrently(school_a, event, payload, [secrets.token_hex(8) for _ in range(GATES)])
        assert Counter(r["result"] for r in results) == {"admitted": 1, "already": GATES - 1}

        same = secrets.token_hex(8)
        with inside(school_a):
            Ticket.objects.filter(pk=guest.pk).update(checked_in_at=None, checked_in_gate=None)
        retries = _scan_concurrently(school_a, event, payload, [same] * GATES)
        # Every retry of one scan answers with that scan's verdict, recorded once.
        assert {r["result"] for r in retries} == {"admitted"}
        assert sum(not r["replayed"] for r in retries) == 1
        with inside(school_a):
            assert Scan.objects.filter(event=event).count() == GATES + 1
            assert Scan.objects.filter(event=event, result="admitted").count() == 2
    finally:
        with inside(school_a):
            events = Event.objects.filter(organization__depth__gt=1)
            Registration.objects.filter(event__in=events).delete()
            events.delete()
            AuditEntry.objects.filter(action__startswith="event").delete()
            Organization.objects.filter(depth__gt=1).delete()
            Person.objects.filter(name__startswith="并发来宾").delete()
            for key in ("president_a", "admin_a", "member_a", "outsider"):
                Person.objects.filter(name__startswith=key).delete()
                get_user_model().objects.filter(name__startswith=key).delete()
