"""Capacity under concurrent registration: never oversold, the rest waitlisted, and cancellations
racing promotions keep the counters equal to the places actually held.

Real concurrent transactions on separate connections (threads + committed rows); the row lock on
the event decides. Transactional tests leave school-schema rows behind, so each test removes what
it created.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from alumni.core.models import AuditEntry
from alumni.events.models import Event, Registration, RegistrationStatus, Ticket
from alumni.events.selectors.registrations import held_heads
from alumni.events.services.registrations import registration_cancel, registration_submit, waitlist_promote
from alumni.messaging.models import MessageLog
from alumni.network.models import Organization
from alumni.people.models import Person
from tests.alumni.events.support import make_event, ticket
from tests.alumni.network.support import build_tree, make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)
S = RegistrationStatus


def _run(workers) -> list[BaseException]:
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _cleanup(school, persons):
    with inside(school):
        events = Event.objects.filter(title__startswith="并发")
        Registration.objects.filter(event__in=events).delete()
        events.delete()
        MessageLog.objects.filter(purpose="events").delete()
        AuditEntry.objects.filter(action__startswith="events.").delete()
        Organization.objects.filter(depth__gt=1).delete()
        Person.objects.filter(pk__in=[p.pk for p in persons]).delete()
        for key in ("president_a", "admin_a", "member_a", "outsider", "racer"):
            Person.objects.filter(name__startswith=key).delete()
            get_user_model().objects.filter(name__startswith=key).delete()


def test_thirty_concurrent_registrations_for_ten_places(school_a):
    persons = []
    try:
        with inside(school_a):
            tree = build_tree()
            event = make_event(tree.a, title="并发报名", capacity=10)
            tt = ticket(event)
            persons = [make_person("racer")[0] for _ in range(30)]

        def register(person):
            def work():
                with inside(school_a):
                    registration_submit(event=event, person=person, ticket_type=tt)

            return work

        errors = _run([register(p) for p in persons])
        assert errors == []
        with inside(school_a):
            regs = Registration.objects.filter(event=event)
            assert regs.filter(status=S.CONFIRMED).count() == 10
            assert regs.filter(status=S.WAITLISTED).count() == 20
            fresh = Event.objects.get(pk=event.pk)
            assert fresh.confirmed_count == held_heads(fresh) == 10
            assert Ticket.objects.filter(event=event, status=Ticket.Status.VALID).count() == 10
    finally:
        _cleanup(school_a, persons)


def test_parties_with_guests_never_oversell(school_a):
    persons = []
    try:
        with inside(school_a):
            tree = build_tree()
            event = make_event(tree.a, title="并发带家属", capacity=10, guests_allowed=2)
            tt = ticket(event)
            persons = [make_person("racer")[0] for _ in range(20)]

        def register(person, n):
            def work():
                with inside(school_a):
                    guests = [{"name": f"家属{i}"} for i in range(n % 3)]
                    registration_submit(event=event, person=person, ticket_type=tt, guests=guests)

            return work

        assert _run([register(p, i) for i, p in enumerate(persons)]) == []
        with inside(school_a):
            fresh = Event.objects.get(pk=event.pk)
            confirmed = Registration.objects.filter(event=event, status=S.CONFIRMED)
            assert fresh.confirmed_count == sum(r.heads for r in confirmed) == held_heads(fresh)
            assert 8 <= fresh.confirmed_count <= 10  # full: no waiting party (≤ 3 heads) would fit
            assert (
                Ticket.objects.filter(event=event, status=Ticket.Status.VALID).count()
                == fresh.confirmed_count
            )
    finally:
        _cleanup(school_a, persons)


def test_concurrent_cancellations_and_promotions(school_a):
    persons = []
    try:
        with inside(school_a):
            tree = build_tree()
            event = make_event(tree.a, title="并发取消", capacity=10)
            tt = ticket(event)
            persons = [make_person("racer")[0] for _ in range(16)]
            regs = [registration_submit(event=event, person=p, ticket_type=tt) for p in persons]
            admin = tree.users["admin_a"]
        confirmed = [r for r in regs if r.status == S.CONFIRMED]
        assert len(confirmed) == 10

        def cancel(reg):
            def work():
                with inside(school_a):
                    registration_cancel(registration=reg, actor=admin, reason="并发取消")

            return work

        def promote():
            with inside(school_a):
                waitlist_promote(event=event)

        assert _run([cancel(r) for r in confirmed[:5]] + [promote] * 3) == []
        with inside(school_a):
            fresh = Event.objects.get(pk=event.pk)
            statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
            assert statuses.count(S.CANCELLED) == 5
            assert statuses.count(S.CONFIRMED) == 10
            assert statuses.count(S.WAITLISTED) == 1
            assert fresh.confirmed_count == held_heads(fresh) == 10
            # The earliest waitlisted registrations went first: the last one still waits.
            assert Registration.objects.get(status=S.WAITLISTED, event=event).pk == regs[-1].pk
    finally:
        _cleanup(school_a, persons)
