"""Stripe webhooks on the platform endpoint, signed with the school's own signing secret.

Events are built like Stripe's and signed exactly as Stripe signs them (the stripe library's
WebhookSignature, i.e. HMAC-SHA256 of f"{t}.{payload}" with the endpoint secret); Checkout Sessions
and refunds are made through the local stand-in for api.stripe.com (tests/billing/payments/stripe_standin.py).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

import pytest

from billing.payments.models import Payment, PaymentState, ProviderEvent, Refund
from billing.payments.services import refund_create
from tests.billing.payments.stripe_standin import (
    WEBHOOK_SECRETS,
    configure_stripe,
    event,
    running_standin,
    sign,
    stripe_payment,
)
from tests.billing.payments.support import payment_refunded, received
from tests.conftest import inside

pytestmark = pytest.mark.django_db
URL = "/pay/webhooks/stripe/"


@pytest.fixture
def api(school_a, school_b):
    configure_stripe(school_a, school_b)
    with running_standin() as standin:
        yield standin


def deliver(client, body: bytes, *, school: str = "alpha", header: str | None = None, url: str = URL):
    signature = header if header is not None else sign(body, secret=WEBHOOK_SECRETS[school])
    return client.post(url, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def completed(api, payment, **changes) -> bytes:
    """checkout.session.completed for a session the payer just paid."""
    session = {**api.pay(payment.action["session_id"]), **changes}
    return event("checkout.session.completed", session)


def intent_event(event_type: str, payment, intent: str, **fields) -> bytes:
    obj = {
        "id": intent,
        "object": "payment_intent",
        "amount": payment.amount,
        "amount_received": payment.amount if event_type.endswith("succeeded") else 0,
        "currency": payment.currency.lower(),
        "metadata": {"school": "alpha", "reference": payment.reference},
        "status": "succeeded" if event_type.endswith("succeeded") else "requires_payment_method",
        **fields,
    }
    return event(event_type, obj)


def state_of(payment) -> Payment:
    return Payment.objects.get(pk=payment.pk)


def test_signed_completion_credits_once_with_the_payment_intent(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment(12800)
    body = completed(api, payment)
    intent = api.session_for(payment.reference)["payment_intent"]
    with received() as credited:
        assert deliver(platform_client, body).status_code == 200
        # Stripe also sends payment_intent.succeeded for the same money: same PaymentIntent.
        assert (
            deliver(platform_client, intent_event("payment_intent.succeeded", payment, intent)).status_code
            == 200
        )
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        paid = state_of(payment)
        assert paid.state == PaymentState.SUCCEEDED
        assert paid.paid_amount == 12800
        assert paid.provider_ref == intent
        assert "duplicate_payment" not in paid.metadata
        assert list(ProviderEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
            "credited",
            "already_paid",
        ]


def test_signature_computed_by_hand_as_stripe_does_is_accepted(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment()
    body = completed(api, payment)
    t = int(time.time())
    mac = hmac.new(WEBHOOK_SECRETS["alpha"].encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert deliver(platform_client, body, header=f"t={t},v1={mac}").status_code == 200
    with inside(school_a):
        assert state_of(payment).state == PaymentState.SUCCEEDED


def test_bad_signatures_change_nothing(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment(10000)
    body = completed(api, payment)
    good = sign(body, secret=WEBHOOK_SECRETS["alpha"])
    tampered = body.replace(b'"amount_total": 10000', b'"amount_total": 1')
    assert tampered != body
    with received() as credited:
        assert deliver(platform_client, tampered, header=good).status_code == 400
        assert deliver(platform_client, body, header="").status_code == 400
        assert deliver(platform_client, body, header="t=abc,v1=zz").status_code == 400
        assert deliver(platform_client, body, header=good.split(",")[0]).status_code == 400  # no v1
        assert deliver(platform_client, body, header=sign(body, secret="whsec_guessed")).status_code == 400
    assert credited == []
    with inside(school_a):
        assert state_of(payment).state == PaymentState.PENDING
        assert not ProviderEvent.objects.exists()


def test_signed_with_another_schools_secret_is_refused(api, school_a, school_b, platform_client):
    """Beta's signing secret on an event claiming alpha: alpha's secret decides, and refuses it."""
    with inside(school_a):
        payment = stripe_payment()
    body = completed(api, payment)
    with received() as credited:
        assert deliver(platform_client, body, school="beta").status_code == 400
        # Nor can it be pushed through beta's own URL while claiming alpha.
        assert deliver(platform_client, body, school="beta", url=f"{URL}beta/").status_code == 400
    assert credited == []
    for school in (school_a, school_b):
        with inside(school):
            assert not ProviderEvent.objects.exists()
    with inside(school_a):
        assert state_of(payment).state == PaymentState.PENDING


def test_signature_older_than_300_seconds_is_refused(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment()
    body = completed(api, payment)
    stale = sign(body, secret=WEBHOOK_SECRETS["alpha"], timestamp=int(time.time()) - 301)
    assert deliver(platform_client, body, header=stale).status_code == 400
    with inside(school_a):
        assert state_of(payment).state == PaymentState.PENDING
    recent = sign(body, secret=WEBHOOK_SECRETS["alpha"], timestamp=int(time.time()) - 240)
    assert deliver(platform_client, body, header=recent).status_code == 200
    with inside(school_a):
        assert state_of(payment).state == PaymentState.SUCCEEDED


def test_replayed_delivery_is_acknowledged_and_not_credited_again(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment()
    body = completed(api, payment)
    header = sign(body, secret=WEBHOOK_SECRETS["alpha"])
    with received() as credited:
        assert deliver(platform_client, body, header=header).status_code == 200
        assert deliver(platform_client, body, header=header).status_code == 200
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        assert ProviderEvent.objects.count() == 1
        assert state_of(payment).transitions.filter(to_state=PaymentState.SUCCEEDED).count() == 1


def test_failure_arriving_after_success_changes_nothing(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment()
    body = completed(api, payment)
    intent = api.session_for(payment.reference)["payment_intent"]
    assert deliver(platform_client, body).status_code == 200
    failed = intent_event(
        "payment_intent.payment_failed",
        payment,
        intent,
        last_payment_error={"message": "Your card was declined."},
    )
    assert deliver(platform_client, failed).status_code == 200
    with inside(school_a):
        assert state_of(payment).state == PaymentState.SUCCEEDED
        assert ProviderEvent.objects.get(type="payment_intent.payment_failed").outcome == "ignored_stale"


def test_success_arriving_after_a_failure_credits(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment()
    failed = intent_event(
        "payment_intent.payment_failed",
        payment,
        "pi_first_try",
        last_payment_error={"message": "Card declined"},
    )
    assert deliver(platform_client, failed).status_code == 200
    with inside(school_a):
        first = state_of(payment)
        assert first.state == PaymentState.FAILED
        assert "Card declined" in first.failure_reason
    with received() as credited:
        assert deliver(platform_client, completed(api, payment)).status_code == 200
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        assert state_of(payment).state == PaymentState.SUCCEEDED


def test_amount_that_does_not_match_is_not_credited(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment(10000)
    body = completed(api, payment, amount_total=100)
    with received() as credited:
        assert deliver(platform_client, body).status_code == 200
    assert credited == []
    with inside(school_a):
        kept = state_of(payment)
        assert kept.state == PaymentState.PENDING
        assert kept.paid_amount == 0
        assert "金额不符" in kept.failure_reason
        assert ProviderEvent.objects.get().outcome == "amount_mismatch"


def test_alipay_completion_waits_for_async_success(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment()
    session = api.pay(payment.action["session_id"])
    unpaid = event("checkout.session.completed", {**session, "payment_status": "unpaid"})
    with received() as credited:
        assert deliver(platform_client, unpaid).status_code == 200
        with inside(school_a):
            assert state_of(payment).state == PaymentState.PENDING
        assert (
            deliver(platform_client, event("checkout.session.async_payment_succeeded", session)).status_code
            == 200
        )
    assert credited == [(payment.reference, "alpha")]


def test_async_failure_and_expiry(api, school_a, platform_client):
    with inside(school_a):
        failing = stripe_payment()
        expiring = stripe_payment()
    session = api.sessions[failing.action["session_id"]]
    assert (
        deliver(platform_client, event("checkout.session.async_payment_failed", session)).status_code == 200
    )
    expired = api.expire(expiring.action["session_id"])
    assert deliver(platform_client, event("checkout.session.expired", expired)).status_code == 200
    with inside(school_a):
        assert state_of(failing).state == PaymentState.FAILED
        assert state_of(expiring).state == PaymentState.CANCELLED


def test_other_event_types_are_recorded_and_ignored(api, school_a, platform_client):
    with inside(school_a):
        payment = stripe_payment()
    obj = {
        "id": "cus_123",
        "object": "customer",
        "metadata": {"school": "alpha", "reference": payment.reference},
    }
    assert deliver(platform_client, event("customer.updated", obj)).status_code == 200
    with inside(school_a):
        assert ProviderEvent.objects.get().outcome == "ignored"
        assert state_of(payment).state == PaymentState.PENDING


def test_refund_confirmed_by_charge_refunded_webhook(api, school_a, platform_client):
    api.refund_status = "pending"
    with inside(school_a):
        payment = stripe_payment(10000)
    assert deliver(platform_client, completed(api, payment)).status_code == 200
    with inside(school_a):
        refund = refund_create(payment=state_of(payment), amount=4000, reason="活动改期，退部分票款")
        assert refund.state == Refund.State.PENDING
    stripe_refund = {**api.refunds[refund.provider_ref], "status": "succeeded"}
    intent = stripe_refund["payment_intent"]
    charge = {
        "id": stripe_refund["charge"],
        "object": "charge",
        "amount": 10000,
        "amount_refunded": 4000,
        "currency": "cny",
        "payment_intent": intent,
        "metadata": {},
        "refunded": False,
        "refunds": {"object": "list", "data": [stripe_refund]},
    }
    body = event("charge.refunded", charge)
    with received(payment_refunded) as refunded:
        assert deliver(platform_client, body).status_code == 200
        assert deliver(platform_client, body).status_code == 200  # Stripe retries: no second refund
        # refund.updated for the same refund afterwards: already settled.
        assert deliver(platform_client, event("refund.updated", stripe_refund)).status_code == 200
    assert refunded == [(payment.reference, "alpha")]
    with inside(school_a):
        refund.refresh_from_db()
        assert refund.state == Refund.State.SUCCEEDED
        done = state_of(payment)
        assert done.state == PaymentState.PARTIALLY_REFUNDED
        assert done.refunded_amount == 4000


def test_refund_failed_webhook_gives_the_amount_back(api, school_a, platform_client):
    api.refund_status = "pending"
    with inside(school_a):
        payment = stripe_payment(10000)
    assert deliver(platform_client, completed(api, payment)).status_code == 200
    with inside(school_a):
        refund = refund_create(payment=state_of(payment), amount=10000, reason="全额退款")
    failed = {
        **api.refunds[refund.provider_ref],
        "status": "failed",
        "failure_reason": "expired_or_canceled_card",
    }
    assert deliver(platform_client, event("refund.failed", failed)).status_code == 200
    with inside(school_a):
        refund.refresh_from_db()
        assert refund.state == Refund.State.FAILED
        assert refund.failure_reason == "卡片已过期或注销"
        kept = state_of(payment)
        assert kept.refunded_amount == 0
        assert kept.state == PaymentState.SUCCEEDED


def test_an_event_for_alpha_never_touches_beta(api, school_a, school_b, platform_client):
    """Both schools hold a payment with the same reference; alpha's event credits alpha's only."""
    with inside(school_a):
        payment_a = stripe_payment(5000)
    reference = payment_a.reference
    with inside(school_b):
        payment_b = stripe_payment(5000)
        Payment.objects.filter(pk=payment_b.pk).update(reference=reference)
    body = completed(api, payment_a)
    with received() as credited:
        assert deliver(platform_client, body).status_code == 200
    assert credited == [(reference, "alpha")]
    with inside(school_b):
        assert state_of(payment_b).state == PaymentState.PENDING
        assert not ProviderEvent.objects.exists()
    with inside(school_a):
        assert state_of(payment_a).state == PaymentState.SUCCEEDED


def test_event_signed_by_beta_for_beta_but_posted_on_alphas_url_is_refused(api, school_b, platform_client):
    with inside(school_b):
        payment = stripe_payment()
    body = completed(api, payment)
    assert deliver(platform_client, body, school="beta", url=f"{URL}alpha/").status_code == 400
    assert deliver(platform_client, body, school="beta", url=f"{URL}beta/").status_code == 200
    with inside(school_b):
        assert state_of(payment).state == PaymentState.SUCCEEDED


def test_event_without_a_school_is_refused(api, school_a, platform_client):
    obj = {"id": f"pi_{uuid.uuid4().hex[:12]}", "object": "payment_intent", "metadata": {}}
    assert deliver(platform_client, event("payment_intent.succeeded", obj)).status_code == 400
