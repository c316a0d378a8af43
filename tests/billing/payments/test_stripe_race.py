"""Races on Stripe money: one event delivered 50 times at once credits once; two refunds that
together exceed what was paid cannot both go through.

Real concurrent requests/transactions on separate database connections (threads, committed rows),
through the platform webhook endpoint and the local stand-in for api.stripe.com. Transactional tests
leave school-schema rows behind, so each test removes what it created.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from alumni.core.models import AuditEntry
from billing.errors import RefundExceedsPaid
from billing.payments.models import (
    Payment,
    PaymentState,
    PaymentTransition,
    Provider,
    ProviderAccount,
    ProviderEvent,
    Refund,
)
from billing.payments.services import payment_sync, refund_create
from tests.billing.payments.stripe_standin import (
    WEBHOOK_SECRETS,
    configure_stripe,
    event,
    running_standin,
    sign,
    stripe_payment,
)
from tests.billing.payments.support import received
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(school_a):
    configure_stripe(school_a)
    try:
        with running_standin() as standin:
            yield standin
    finally:
        with inside(school_a):
            AuditEntry.objects.filter(action__startswith="payments.").delete()
            ProviderEvent.objects.all().delete()
            Refund.objects.all().delete()
            PaymentTransition.objects.all().delete()
            Payment.objects.all().delete()
            ProviderAccount.objects.filter(provider=Provider.STRIPE).delete()


def _run(n, target):
    barrier = threading.Barrier(n)
    results: list = []

    def worker(i):
        try:
            barrier.wait(timeout=20)
            results.append(target(i))
        except Exception as exc:  # the test inspects what each thread saw
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_concurrent_deliveries_of_one_event_credit_once(api, school_a):
    with inside(school_a):
        payment = stripe_payment(6600)
    body = event("checkout.session.completed", api.pay(payment.action["session_id"]))
    header = sign(body, secret=WEBHOOK_SECRETS["alpha"])

    def deliver(i):
        response = Client(HTTP_HOST="localhost").post(
            "/pay/webhooks/stripe/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        return response.status_code

    with received() as credited:
        statuses = _run(50, deliver)
    assert statuses == [200] * 50
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        assert ProviderEvent.objects.count() == 1
        assert PaymentTransition.objects.filter(payment=payment, to_state=PaymentState.SUCCEEDED).count() == 1
        assert Payment.objects.get(pk=payment.pk).paid_amount == 6600


def test_completion_and_intent_success_racing_credit_once(api, school_a):
    """Stripe sends both events for one payment at about the same moment."""
    with inside(school_a):
        payment = stripe_payment(6600)
    session = api.pay(payment.action["session_id"])
    intent = {
        "id": session["payment_intent"],
        "object": "payment_intent",
        "amount": 6600,
        "amount_received": 6600,
        "currency": "cny",
        "metadata": {"school": "alpha", "reference": payment.reference},
        "status": "succeeded",
    }
    bodies = [event("checkout.session.completed", session), event("payment_intent.succeeded", intent)]

    def deliver(i):
        body = bodies[i % 2]
        return (
            Client(HTTP_HOST="localhost")
            .post(
                "/pay/webhooks/stripe/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign(body, secret=WEBHOOK_SECRETS["alpha"]),
            )
            .status_code
        )

    with received() as credited:
        statuses = _run(10, deliver)
    assert statuses == [200] * 10
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        paid = Payment.objects.get(pk=payment.pk)
        assert paid.provider_ref == session["payment_intent"]
        assert "duplicate_payment" not in paid.metadata
        assert ProviderEvent.objects.count() == 2


def test_two_partial_refunds_exceeding_what_was_paid_one_is_refused(api, school_a):
    with inside(school_a):
        payment = stripe_payment(10000)
        api.pay(payment.action["session_id"])
        payment = payment_sync(payment=payment)
    assert payment.state == PaymentState.SUCCEEDED

    def refund(i):
        with inside(school_a):
            return refund_create(payment=payment, amount=6000, reason=f"退款申请 {i}")

    results = _run(2, refund)
    done = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, RefundExceedsPaid)]
    assert len(done) == 1 and len(refused) == 1, results
    # The second one never reached Stripe: our own reservation refused it first.
    assert len(api.calls("POST", "/v1/refunds")) == 1
    with inside(school_a):
        fresh = Payment.objects.get(pk=payment.pk)
        assert fresh.refunded_amount == 6000
        assert fresh.state == PaymentState.PARTIALLY_REFUNDED
        assert Refund.objects.get().state == Refund.State.SUCCEEDED
