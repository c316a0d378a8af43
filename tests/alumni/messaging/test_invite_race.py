"""Two (or eight) people accepting one invitation at the same moment: exactly one gets it.

Real concurrent transactions on separate connections (threads + committed rows); the single
conditional UPDATE is what decides. Transactional tests leave school-schema rows behind, so
this test removes what it created.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from alumni.core.models import AuditEntry
from alumni.messaging.errors import InviteInvalid
from alumni.messaging.models import Invitation, MessageLog
from alumni.messaging.services.invites import invite_accept, invite_create
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 8


def test_racing_accepts_admit_exactly_one(school_a):
    users, invitation = [], None
    try:
        with inside(school_a):
            users = [
                get_user_model().objects.create_user(
                    username=f"1370000{i:04d}",
                    phone=f"1370000{i:04d}",
                    name=f"抢答{i}",
                    password="x-Racer-2024",
                )
                for i in range(RACERS)
            ]
            invitation, url = invite_create(
                purpose="register",
                name="竞争者",
                channel="email",
                address="race@example.com",
                expires_in=timedelta(days=1),
                actor=None,
                deliver="never",
            )
        secret = url.rstrip("/").rsplit("/", 1)[-1]
        barrier = threading.Barrier(RACERS)
        outcomes: list[str] = []

        def attempt(user):
            try:
                with inside(school_a):
                    barrier.wait(timeout=10)
                    invite_accept(token=secret, user=user)
                outcomes.append("accepted")
            except InviteInvalid:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["accepted"] + ["refused"] * (RACERS - 1)
        with inside(school_a):
            row = Invitation.objects.get(pk=invitation.pk)
            assert row.used_by_id in {u.pk for u in users}
            assert AuditEntry.objects.filter(action="invite.accept", object_id=str(row.pk)).count() == 1
    finally:
        with inside(school_a):
            if invitation is not None:
                AuditEntry.objects.filter(
                    object_type="messaging.invitation", object_id=str(invitation.pk)
                ).delete()
                MessageLog.objects.filter(idempotency_key=f"invite:{invitation.pk}").delete()
                Invitation.objects.filter(pk=invitation.pk).delete()
            AuditEntry.objects.filter(actor__in=users).delete()
            get_user_model().objects.filter(pk__in=[u.pk for u in users]).delete()
