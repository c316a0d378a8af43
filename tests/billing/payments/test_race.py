"""Races on money: concurrent deliveries credit once; concurrent refunds never exceed what was paid.

Real concurrent requests/transactions on separate database connections (threads, committed rows),
through the platform webhook endpoint exactly as a provider's retries would arrive. Transactional
tests leave school-schema rows behind, so each test removes what it created.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from billing.errors import RefundExceedsPaid
from billing.payments.models import Payment, PaymentState, PaymentTransition, ProviderEvent, Refund
from billing.payments.services import refund_create, sandbox_settle
from tests.billing.payments.support import received, sandbox_payment, signed_delivery
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def _cleanup(school):
    with inside(school):
        ProviderEvent.objects.all().delete()
        Refund.objects.all().delete()
        PaymentTransition.objects.all().delete()
        Payment.objects.all().delete()


def _run(n, target):
    barrier = threading.Barrier(n)
    results: list = []

    def worker(i):
        try:
            barrier.wait(timeout=20)
            results.append(target(i))
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_fifty_concurrent_deliveries_of_one_event_credit_once(school_a):
    try:
        with inside(school_a):
            payment = sandbox_payment(amount=8800)
            body, headers = signed_delivery(payment)
        with received() as credited:
            statuses = _run(
                50,
                lambda i: (
                    Client(HTTP_HOST="localhost")
                    .post("/pay/webhooks/sandbox/", data=body, content_type="application/json", **headers)
                    .status_code
                ),
            )
        assert statuses == [200] * 50
        assert credited == [(payment.reference, "alpha")]
        with inside(school_a):
            assert ProviderEvent.objects.count() == 1
            assert PaymentTransition.objects.filter(payment=payment, to_state="succeeded").count() == 1
            assert Payment.objects.get(pk=payment.pk).paid_amount == 8800
    finally:
        _cleanup(school_a)


def test_different_events_saying_paid_at_once_credit_once(school_a):
    """A notify and an order query (or two event types) for one payment racing each other."""
    try:
        with inside(school_a):
            payment = sandbox_payment()

        def settle(i):
            with inside(school_a):
                return sandbox_settle(payment=payment, outcome="succeeded")

        with received() as credited:
            outcomes = _run(10, settle)
        assert sorted(outcomes) == ["already_paid"] * 9 + ["credited"]
        assert len(credited) == 1
    finally:
        _cleanup(school_a)


def test_concurrent_refunds_never_exceed_what_was_paid(school_a):
    try:
        with inside(school_a):
            payment = sandbox_payment(amount=10000)
            sandbox_settle(payment=payment, outcome="succeeded")

        def refund(i):
            with inside(school_a):
                return refund_create(payment=payment, amount=4000, reason=f"退款 {i}")

        results = _run(5, refund)
        done = [r for r in results if isinstance(r, Refund)]
        refused = [r for r in results if isinstance(r, RefundExceedsPaid)]
        assert len(done) == 2 and len(refused) == 3
        with inside(school_a):
            fresh = Payment.objects.get(pk=payment.pk)
            assert fresh.refunded_amount == 8000
            assert fresh.state == PaymentState.PARTIALLY_REFUNDED
    finally:
        _cleanup(school_a)
