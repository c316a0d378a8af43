"""Stripe delivering the same event several times at once: it is applied exactly once.

Real concurrent transactions on separate connections (threads + committed rows); the unique
event id decides. Transactional tests flush the public schema afterwards (the session schools'
rows are restored by tests/conftest.py; plans are re-seeded by the ``plans`` fixture).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from billing.subscriptions.models import StripeEvent, Subscription, SubscriptionChange
from billing.subscriptions.services import stripe_event_handle
from tests.billing.subscriptions.conftest import event, stripe_subscription

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERIES = 8


def test_concurrent_deliveries_of_one_event_apply_once(sub_a):
    body = event("customer.subscription.created", stripe_subscription("alpha", price="price_flagship_yearly"))
    barrier = threading.Barrier(DELIVERIES)
    outcomes: list[str] = []

    def deliver():
        try:
            barrier.wait(timeout=10)
            outcomes.append(stripe_event_handle(event=body))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["duplicate"] * (DELIVERIES - 1) + ["subscription active"]
    assert StripeEvent.objects.filter(event_id=body["id"]).count() == 1
    changes = SubscriptionChange.objects.filter(subscription=sub_a, source=f"Stripe {body['id']}")
    assert changes.count() == 1
    assert Subscription.objects.get(pk=sub_a.pk).plan.code == "flagship"


def test_two_admins_taking_the_last_free_record_at_once(sub_a, school_a, monkeypatch):
    import time

    from alumni.people.errors import PlanLimitReached
    from alumni.people.models import Person
    from alumni.people.services import records
    from alumni.people.services.records import person_create
    from billing.subscriptions.models import Plan
    from tests.conftest import inside

    with inside(school_a):
        present = Person.objects.filter(merged_into__isnull=True).count()
    tiny = Plan.objects.create(
        code="race-tiny", name="迷你版", max_alumni=present + 1, sms_per_year=10, storage_mb=1
    )
    Subscription.objects.filter(pk=sub_a.pk).update(plan=tiny)
    # Widen the window between the check and the insert, so both would pass an unlocked count.
    apply = records._apply
    monkeypatch.setattr(records, "_apply", lambda person, changes: (time.sleep(0.5), apply(person, changes)))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    created: list[int] = []

    def create(name: str):
        try:
            with inside(school_a):
                barrier.wait(timeout=10)
                created.append(person_create(name=name).pk)
            outcomes.append("created")
        except PlanLimitReached:
            outcomes.append("plan_limit")
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(name,)) for name in ("抢一", "抢二")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["created", "plan_limit"]
        with inside(school_a):
            assert Person.objects.filter(merged_into__isnull=True).count() == present + 1
    finally:
        with inside(school_a):
            Person.objects.filter(pk__in=created).delete()
