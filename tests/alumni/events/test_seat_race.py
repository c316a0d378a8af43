"""Two organizers moving two different guests into the same free seat at the same moment: one
gets it, the other is told the seat is taken, and the seat holds exactly one ticket.

Real concurrent transactions on separate connections (threads + committed rows). Transactional
tests leave school-schema rows behind, so this test removes what it created.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from alumni.core.models import AuditEntry
from alumni.events.errors import SeatTaken
from alumni.events.models import Event, Registration, Seat, SeatPlan, Ticket
from alumni.events.services.seating import seat_assign, seat_plan_generate
from alumni.network.models import Organization
from alumni.people.models import Person
from tests.alumni.events.support import confirmed_party, make_event
from tests.alumni.network.support import build_tree
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_moves_into_one_seat_seat_one_guest(school_a):
    try:
        with inside(school_a):
            tree = build_tree()
            admin = get_user_model().objects.get(is_superuser=True, email="admin@alpha.edu.cn")
            event = make_event(tree.a)
            plan = seat_plan_generate(
                event=event, actor=admin, kind=SeatPlan.Kind.TABLES, tables=1, seats_per_table=2
            )
            seat = Seat.objects.filter(plan=plan).first()
            tickets = [confirmed_party(event, f"抢座{i}")[1][0] for i in range(2)]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def move(ticket):
            try:
                with inside(school_a):
                    barrier.wait(timeout=10)
                    seat_assign(
                        ticket=Ticket.objects.select_related("event").get(pk=ticket.pk),
                        seat=seat,
                        actor=admin,
                    )
                outcomes.append("seated")
            except SeatTaken:
                outcomes.append("taken")
            finally:
                connection.close()

        threads = [threading.Thread(target=move, args=(t,)) for t in tickets]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["seated", "taken"]
        with inside(school_a):
            assert Ticket.objects.filter(seat=seat).count() == 1
            seated = Ticket.objects.get(seat=seat)
            assert seated.version == 2
            assert Ticket.objects.exclude(pk=seated.pk).get(pk__in=[t.pk for t in tickets]).version == 1
    finally:
        with inside(school_a):
            Registration.objects.filter(event__organization__depth__gt=1).delete()
            Event.objects.filter(organization__depth__gt=1).delete()
            AuditEntry.objects.filter(action__startswith="events.").delete()
            AuditEntry.objects.filter(action__startswith="network.").delete()
            Organization.objects.filter(depth__gt=1).delete()
            Person.objects.filter(name__startswith="抢座").delete()
            for key in ("president_a", "admin_a", "member_a", "outsider"):
                Person.objects.filter(name__startswith=key).delete()
                get_user_model().objects.filter(name__startswith=key).delete()
