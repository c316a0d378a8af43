"""Stripe provider against a local stand-in for api.stripe.com: what we send, what we make of answers.

The real ``stripe`` library makes the calls; tests/billing/payments/stripe_standin.py answers them
(it is a stand-in, not Stripe) and records each request's headers and form parameters.
"""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from billing.errors import ProviderFailed
from billing.payments.models import PaymentState, Provider, ProviderAccount, Refund
from billing.payments.providers.base import PayerContext, ProviderError
from billing.payments.selectors import provider_for
from billing.payments.services import (
    payment_cancel,
    payment_expire,
    payment_start,
    payment_sync,
    refund_create,
    refund_sync,
)
from tests.billing.payments.stripe_standin import (
    RETURN_URL,
    SECRET_KEYS,
    configure_stripe,
    running_standin,
    stripe_payment,
)
from tests.billing.payments.support import payment_refunded, received
from tests.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(school_a, school_b):
    configure_stripe(school_a, school_b)
    with running_standin() as standin:
        yield standin


def test_checkout_session_is_created_with_the_schools_key_and_an_idempotency_key(api, school_a):
    with inside(school_a):
        payment = stripe_payment(12800)
    [call] = api.calls("POST", "/v1/checkout/sessions")
    assert call.headers["authorization"] == f"Bearer {SECRET_KEYS['alpha']}"
    assert call.headers["idempotency-key"] == f"alpha:{payment.reference}:checkout"
    p = call.params
    assert p["mode"] == "payment"
    assert p["line_items[0][price_data][currency]"] == "cny"
    assert p["line_items[0][price_data][unit_amount]"] == "12800"
    assert p["line_items[0][price_data][product_data][name]"] == "2026 校庆晚宴门票"
    assert p["line_items[0][quantity]"] == "1"
    assert [p[f"payment_method_types[{i}]"] for i in range(3)] == ["card", "alipay", "wechat_pay"]
    assert p["payment_method_options[wechat_pay][client]"] == "web"
    assert p["client_reference_id"] == payment.reference
    for prefix in ("metadata", "payment_intent_data[metadata]"):
        assert p[f"{prefix}[school]"] == "alpha"
        assert p[f"{prefix}[reference]"] == payment.reference
    assert p["success_url"] == p["cancel_url"] == RETURN_URL
    assert p["locale"] == "zh"
    # Our payment lives 30 minutes; Stripe needs at least 30 minutes from now, at most 24 hours.
    assert time.time() + 1800 <= int(p["expires_at"]) <= time.time() + 86400
    session = api.session_for(payment.reference)
    assert payment.state == PaymentState.PENDING
    assert payment.provider_ref == session["id"]
    assert payment.action == {"type": "redirect", "url": session["url"], "session_id": session["id"]}


def test_starting_again_reuses_the_open_session(api, school_a):
    with inside(school_a):
        payment = stripe_payment()
        again = payment_start(
            payment=payment,
            provider=Provider.STRIPE,
            payer=PayerContext(channel="checkout", return_url=RETURN_URL),
        )
    assert len(api.calls("POST", "/v1/checkout/sessions")) == 1
    assert again.action == payment.action


def test_a_retried_create_gets_stripes_first_answer(api, school_a):
    """The same idempotency key with the same parameters: one session, not two."""
    with inside(school_a):
        payment = stripe_payment(start=False)
        gateway = provider_for(Provider.STRIPE)
        payer = PayerContext(channel="checkout", return_url=RETURN_URL)
        first = gateway.start(payment, payer)
        second = gateway.start(payment, payer)
    assert first == second
    assert len(api.sessions) == 1
    assert len(api.calls("POST", "/v1/checkout/sessions")) == 2


def test_each_school_uses_its_own_stripe_account(api, school_a, school_b):
    with inside(school_b):
        payment = stripe_payment()
    [call] = api.calls("POST", "/v1/checkout/sessions")
    assert call.headers["authorization"] == f"Bearer {SECRET_KEYS['beta']}"
    assert call.headers["idempotency-key"] == f"beta:{payment.reference}:checkout"
    assert call.params["metadata[school]"] == "beta"


def test_stripe_refusing_the_call_leaves_the_payment_unstarted(api, school_a):
    api.failures.append((400, "invalid_request_error", {"Stripe-Should-Retry": "false"}))
    with inside(school_a):
        payment = stripe_payment(start=False)
        with pytest.raises(ProviderFailed):
            payment_start(
                payment=payment,
                provider=Provider.STRIPE,
                payer=PayerContext(channel="checkout", return_url=RETURN_URL),
            )
        payment.refresh_from_db()
        assert payment.state == PaymentState.CREATED


def test_rate_limit_and_outage_are_retryable_errors(api, school_a):
    with inside(school_a):
        payment = stripe_payment(start=False)
        gateway = provider_for(Provider.STRIPE)
        payer = PayerContext(channel="checkout", return_url=RETURN_URL)
        api.failures.append((429, "invalid_request_error", {"Stripe-Should-Retry": "false"}))
        with pytest.raises(ProviderError) as limited:
            gateway.start(payment, payer)
        api.failures.append((401, "invalid_request_error", {"Stripe-Should-Retry": "false"}))
        with pytest.raises(ProviderError) as refused:
            gateway.start(payment, payer)
    assert limited.value.retryable is True
    assert refused.value.retryable is False


def test_missing_secret_key_is_a_clear_error(api, school_a):
    with inside(school_a):
        ProviderAccount.objects.filter(provider=Provider.STRIPE).update(stripe_secret_key="")
        payment = stripe_payment(start=False)
        with pytest.raises(ProviderFailed, match="Stripe 密钥"):
            payment_start(
                payment=payment,
                provider=Provider.STRIPE,
                payer=PayerContext(channel="checkout", return_url=RETURN_URL),
            )
    assert api.requests == []


def test_query_finds_a_payment_whose_webhook_never_came(api, school_a):
    with inside(school_a), received() as credited:
        payment = stripe_payment(9900)
        assert payment_sync(payment=payment).state == PaymentState.PENDING
        session = api.pay(payment.action["session_id"])
        payment = payment_sync(payment=payment)
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.paid_amount == 9900
    assert payment.provider_ref == session["payment_intent"]
    assert credited == [(payment.reference, "alpha")]


def test_query_of_an_expired_session_cancels_the_payment(api, school_a):
    with inside(school_a):
        payment = stripe_payment()
        api.expire(payment.action["session_id"])
        assert payment_sync(payment=payment).state == PaymentState.CANCELLED


def test_expiring_a_payment_expires_its_session_first(api, school_a):
    with inside(school_a):
        payment = stripe_payment()
        payment = payment_expire(payment=payment)
    session_id = payment.action["session_id"]
    assert payment.state == PaymentState.CANCELLED
    assert api.sessions[session_id]["status"] == "expired"
    assert len(api.calls("POST", f"/v1/checkout/sessions/{session_id}/expire")) == 1


def test_closing_an_already_expired_session_is_fine(api, school_a):
    with inside(school_a):
        payment = stripe_payment()
        api.sessions[payment.action["session_id"]]["status"] = "expired"
        provider_for(Provider.STRIPE).close(payment)  # no error
        assert payment_cancel(payment=payment).state == PaymentState.CANCELLED


def test_a_session_completed_meanwhile_is_never_closed(api, school_a):
    """Stripe says "paid" while we try to close it: the payment is credited, not cancelled."""
    with inside(school_a):
        payment = stripe_payment()
        api.pay(payment.action["session_id"])
        with pytest.raises(ProviderError):
            provider_for(Provider.STRIPE).close(payment)
        assert payment_expire(payment=payment).state == PaymentState.SUCCEEDED


def test_refund_goes_to_the_payment_intent_with_an_idempotency_key(api, school_a):
    with inside(school_a), received(payment_refunded) as refunded_signal:
        payment = stripe_payment(10000)
        api.pay(payment.action["session_id"])
        payment = payment_sync(payment=payment)
        refund = refund_create(payment=payment, amount=3000, reason="活动取消")
        payment.refresh_from_db()
    [call] = api.calls("POST", "/v1/refunds")
    assert call.headers["idempotency-key"] == f"alpha:{refund.reference}"
    assert call.params["payment_intent"] == payment.provider_ref
    assert call.params["amount"] == "3000"
    assert call.params["metadata[school]"] == "alpha"
    assert call.params["metadata[reference]"] == refund.reference
    assert call.params["metadata[payment]"] == payment.reference
    assert refund.state == Refund.State.SUCCEEDED
    assert refund.provider_ref.startswith("re_")
    assert payment.state == PaymentState.PARTIALLY_REFUNDED
    assert payment.refunded_amount == 3000
    assert refunded_signal == [(payment.reference, "alpha")]


def test_pending_refund_is_settled_by_refund_sync(api, school_a):
    api.refund_status = "pending"  # Alipay / WeChat Pay refunds settle later
    with inside(school_a):
        payment = stripe_payment(5000)
        api.pay(payment.action["session_id"])
        payment = payment_sync(payment=payment)
        refund = refund_create(payment=payment, amount=5000, reason="重复购买")
        assert refund.state == Refund.State.PENDING
        assert refund_sync(refund=refund).state == Refund.State.PENDING
        api.refunds[refund.provider_ref]["status"] = "succeeded"
        assert refund_sync(refund=refund).state == Refund.State.SUCCEEDED
        payment.refresh_from_db()
        assert payment.state == PaymentState.REFUNDED


def test_refund_lost_on_the_wire_is_settled_without_refunding_twice(api, school_a):
    with inside(school_a):
        payment = stripe_payment(5000)
        api.pay(payment.action["session_id"])
        payment = payment_sync(payment=payment)
        # Stripe never answers (connection refused): we cannot know whether it refunded.
        with override_settings(STRIPE_API_BASE="http://127.0.0.1:9"):
            refund = refund_create(payment=payment, amount=2000, reason="退一部分")
        assert refund.state == Refund.State.PENDING
        assert refund_sync(refund=refund).state == Refund.State.SUCCEEDED
        assert refund_sync(refund=refund).state == Refund.State.SUCCEEDED
    assert len(api.refunds) == 1


def test_stripe_refusing_a_refund_gives_the_amount_back(api, school_a):
    with inside(school_a):
        payment = stripe_payment(5000)
        api.pay(payment.action["session_id"])
        payment = payment_sync(payment=payment)
        api.failures.append((400, "invalid_request_error", {"Stripe-Should-Retry": "false"}))
        with pytest.raises(ProviderFailed):
            refund_create(payment=payment, amount=5000, reason="全额退款")
        payment.refresh_from_db()
        assert payment.refunded_amount == 0
        assert payment.state == PaymentState.SUCCEEDED
        assert Refund.objects.get().state == Refund.State.FAILED
