"""Two admins deciding one join request at the same moment: exactly one decision stands.

Real concurrent transactions on separate connections (threads + committed rows); the row lock
taken by join_request_approve / join_request_reject decides. Transactional tests leave
school-schema rows behind, so this test removes what it created.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from alumni.core.models import AuditEntry
from alumni.network.errors import JoinRequestDecided
from alumni.network.models import JoinRequest, Membership, Organization
from alumni.network.services import join_request_approve, join_request_reject
from alumni.people.models import Person
from tests.alumni.network.support import build_tree, make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_deciding_at_once_one_wins(school_a):
    tree = None
    try:
        with inside(school_a):
            tree = build_tree()
            applicant, _ = make_person("申请人", user=False)
            request = JoinRequest.objects.create(person=applicant, organization=tree.a)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def decide(approve: bool):
            try:
                with inside(school_a):
                    barrier.wait(timeout=10)
                    if approve:
                        join_request_approve(join_request=request, actor=tree.users["president_a"])
                    else:
                        join_request_reject(
                            join_request=request, actor=tree.users["admin_a"], reason="名额已满"
                        )
                outcomes.append("approved" if approve else "rejected")
            except JoinRequestDecided:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=decide, args=(flag,)) for flag in (True, False)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) in (["approved", "refused"], ["refused", "rejected"])
        with inside(school_a):
            final = JoinRequest.objects.get(pk=request.pk)
            member = Membership.objects.filter(person=applicant, organization=tree.a).exists()
            assert member == (final.status == JoinRequest.Status.APPROVED)
            assert (
                AuditEntry.objects.filter(
                    action__in=["network.join_approve", "network.join_reject"], object_id=str(request.pk)
                ).count()
                == 1
            )
    finally:
        with inside(school_a):
            AuditEntry.objects.filter(action__startswith="network.").delete()
            Organization.objects.filter(depth__gt=1).delete()
            Person.objects.filter(name__startswith="申请人").delete()
            for key in ("president_a", "admin_a", "member_a", "outsider"):
                Person.objects.filter(name__startswith=key).delete()
                get_user_model().objects.filter(name__startswith=key).delete()
