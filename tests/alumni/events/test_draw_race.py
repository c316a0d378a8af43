"""Eight operators pressing 开奖 for one round at the same moment: it is drawn once, with one set of
winners, and every other attempt is refused with draw_already_run.

Real concurrent transactions on separate connections (threads + committed rows). Transactional
tests leave school-schema rows behind, so this test removes what it created.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from alumni.core.models import AuditEntry
from alumni.events.errors import DrawAlreadyRun
from alumni.events.models import Draw, Event, Registration, Winner
from alumni.events.services.draws import draw_create, draw_run
from alumni.network.models import Organization
from alumni.people.models import Person
from tests.alumni.events.support import confirmed_party, make_event
from tests.alumni.network.support import build_tree
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_runs_draw_a_round_once(school_a):
    try:
        with inside(school_a):
            tree = build_tree()
            admin = get_user_model().objects.get(is_superuser=True, email="admin@alpha.edu.cn")
            event = make_event(tree.a)
            for i in range(20):
                confirmed_party(event, f"抽奖并发{i}", checked_in=True)
            draw = draw_create(event=event, actor=admin, name="一等奖", prize="手机", winners_count=3)
        barrier = threading.Barrier(8)
        outcomes: list[str] = []

        def run():
            try:
                with inside(school_a):
                    barrier.wait(timeout=10)
                    draw_run(draw=draw, actor=admin)
                outcomes.append("drawn")
            except DrawAlreadyRun:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=run) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["drawn"] + ["refused"] * 7
        with inside(school_a):
            assert Winner.objects.filter(draw=draw).count() == 3
            assert Draw.objects.get(pk=draw.pk).status == Draw.Status.DRAWN
            assert AuditEntry.objects.filter(action="events.draw_run", object_id=str(draw.pk)).count() == 1
    finally:
        with inside(school_a):
            # Registrations first: their ticket type is protected, and winners protect tickets.
            Winner.objects.filter(draw__event__organization__depth__gt=1).delete()
            Registration.objects.filter(event__organization__depth__gt=1).delete()
            AuditEntry.objects.filter(action__startswith="events.").delete()
            AuditEntry.objects.filter(action__startswith="network.").delete()
            Event.objects.filter(organization__depth__gt=1).delete()
            Organization.objects.filter(depth__gt=1).delete()
            Person.objects.filter(name__startswith="抽奖并发").delete()
            for key in ("president_a", "admin_a", "member_a", "outsider"):
                Person.objects.filter(name__startswith=key).delete()
                get_user_model().objects.filter(name__startswith=key).delete()
