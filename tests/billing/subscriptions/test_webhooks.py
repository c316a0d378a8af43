"""The platform's Stripe webhook: real v1 signatures (good, bad, stale, replayed), each handled
event type, and events arriving out of order."""

from __future__ import annotations

import json
import time

import pytest

from billing.subscriptions.models import StripeEvent, Subscription, SubscriptionChange
from tests.billing.subscriptions.conftest import (
    WEBHOOK_SECRET,
    deliver,
    event,
    signature_header,
    stripe_invoice,
    stripe_subscription,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(platform_client, stripe_settings):
    return platform_client


def refreshed(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_related("plan").get(pk=subscription.pk)


def test_a_correctly_signed_subscription_event_activates_the_plan(webhook, sub_a, school_a):
    body = event(
        "customer.subscription.created", stripe_subscription("alpha", price="price_professional_yearly")
    )
    response = deliver(webhook, body)
    assert response.status_code == 200
    sub = refreshed(sub_a)
    assert sub.status == Subscription.Status.ACTIVE
    assert sub.plan.code == "professional"
    assert sub.stripe_subscription_id == "sub_test_1" and sub.stripe_customer_id == "cus_test_1"
    assert sub.current_period_end.timestamp() > time.time() + 360 * 86400
    assert StripeEvent.objects.get(event_id=body["id"]).school == school_a
    change = SubscriptionChange.objects.filter(subscription=sub).first()
    assert (change.from_status, change.to_status, change.to_plan) == ("trialing", "active", "professional")


def test_the_signature_checked_is_stripes_own_scheme(webhook, sub_a):
    """The header made by the stripe library itself is accepted too (same v1 scheme as ours)."""
    import stripe

    body = json.dumps(event("customer.subscription.updated", stripe_subscription("alpha")))
    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    response = webhook.post(
        "/billing/stripe/webhook/", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 200
    assert refreshed(sub_a).status == Subscription.Status.ACTIVE


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "whsec_someone_else"},  # signed with another secret
        {"age": 301},  # older than the 300 s tolerance: a replayed capture
        {"age": -330},  # from the future beyond tolerance
    ],
    ids=["wrong-secret", "stale", "future"],
)
def test_bad_or_stale_signatures_are_rejected_and_change_nothing(webhook, sub_a, signing):
    if "age" in signing:
        signing = {"timestamp": int(time.time()) - signing["age"]}
    body = event("customer.subscription.updated", stripe_subscription("alpha"))
    response = deliver(webhook, body, **signing)
    assert response.status_code == 400
    assert response.json()["code"] == "webhook_rejected"
    assert refreshed(sub_a).status == Subscription.Status.TRIALING
    assert not StripeEvent.objects.filter(event_id=body["id"]).exists()


def test_a_signature_within_tolerance_is_accepted(webhook, sub_a):
    body = event("customer.subscription.updated", stripe_subscription("alpha"))
    assert deliver(webhook, body, timestamp=int(time.time()) - 290).status_code == 200


def test_a_tampered_body_is_rejected(webhook, sub_a):
    body = json.dumps(event("customer.subscription.updated", stripe_subscription("alpha")))
    header = signature_header(body)
    tampered = body.replace('"price_standard_yearly"', '"price_flagship_yearly"')
    response = webhook.post(
        "/billing/stripe/webhook/",
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )
    assert response.status_code == 400
    assert refreshed(sub_a).status == Subscription.Status.TRIALING


def test_missing_header_or_unconfigured_secret(webhook, sub_a, settings):
    body = json.dumps(event("invoice.paid", stripe_invoice("alpha")))
    response = webhook.post("/billing/stripe/webhook/", data=body, content_type="application/json")
    assert response.status_code == 400
    settings.STRIPE_PLATFORM_WEBHOOK_SECRET = ""
    response = webhook.post(
        "/billing/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body),
    )
    assert response.status_code == 503
    assert response.json()["code"] == "stripe_not_configured"


def test_only_post_is_accepted(webhook):
    assert webhook.get("/billing/stripe/webhook/").status_code == 405


def test_a_replayed_event_is_applied_once(webhook, sub_a):
    body = event("customer.subscription.created", stripe_subscription("alpha"))
    assert deliver(webhook, body).content == b"subscription active"
    history = SubscriptionChange.objects.filter(subscription=sub_a).count()
    # Stripe redelivers the same event (same id), freshly signed.
    second = deliver(webhook, body)
    assert second.status_code == 200 and second.content == b"duplicate"
    assert StripeEvent.objects.filter(event_id=body["id"]).count() == 1
    assert SubscriptionChange.objects.filter(subscription=sub_a).count() == history


def test_an_older_update_arriving_late_does_not_undo_a_newer_one(webhook, sub_a):
    now = int(time.time())
    newer = event(
        "customer.subscription.updated",
        stripe_subscription("alpha", status="active", price="price_flagship_yearly"),
        created=now,
    )
    older = event(
        "customer.subscription.updated",
        stripe_subscription("alpha", status="past_due", price="price_standard_yearly"),
        created=now - 60,
    )
    assert deliver(webhook, newer).status_code == 200
    response = deliver(webhook, older)
    assert response.status_code == 200 and response.content == b"stale"
    sub = refreshed(sub_a)
    assert sub.status == Subscription.Status.ACTIVE and sub.plan.code == "flagship"


def test_in_order_the_same_events_do_apply(webhook, sub_a):
    now = int(time.time())
    deliver(webhook, event("customer.subscription.updated", stripe_subscription("alpha"), created=now - 60))
    deliver(
        webhook,
        event("customer.subscription.updated", stripe_subscription("alpha", status="past_due"), created=now),
    )
    assert refreshed(sub_a).status == Subscription.Status.PAST_DUE


def test_checkout_completed_records_the_customer_and_plan(webhook, sub_a):
    session = {
        "id": "cs_test_9",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": "cus_alpha",
        "subscription": "sub_alpha",
        "client_reference_id": "alpha",
        "payment_status": "paid",
        "metadata": {"school": "alpha", "plan": "professional"},
    }
    assert deliver(webhook, event("checkout.session.completed", session)).status_code == 200
    sub = refreshed(sub_a)
    assert (sub.stripe_customer_id, sub.stripe_subscription_id) == ("cus_alpha", "sub_alpha")
    assert sub.plan.code == "professional" and sub.status == Subscription.Status.ACTIVE


def test_invoice_failure_then_payment(webhook, sub_a):
    now = int(time.time())
    deliver(webhook, event("customer.subscription.created", stripe_subscription("alpha"), created=now - 100))
    failed = stripe_invoice("alpha") | {"status": "open"}
    deliver(webhook, event("invoice.payment_failed", failed, created=now - 50))
    assert refreshed(sub_a).status == Subscription.Status.PAST_DUE
    period_end = now + 400 * 86400
    deliver(webhook, event("invoice.paid", stripe_invoice("alpha", period_end=period_end), created=now))
    sub = refreshed(sub_a)
    assert sub.status == Subscription.Status.ACTIVE
    assert int(sub.current_period_end.timestamp()) == period_end


def test_subscription_deleted_cancels(webhook, sub_a):
    now = int(time.time())
    deliver(webhook, event("customer.subscription.created", stripe_subscription("alpha"), created=now - 10))
    deliver(
        webhook,
        event("customer.subscription.deleted", stripe_subscription("alpha", status="canceled"), created=now),
    )
    assert refreshed(sub_a).status == Subscription.Status.CANCELED


def test_events_only_touch_the_school_they_name(webhook, sub_a, sub_b):
    deliver(webhook, event("customer.subscription.created", stripe_subscription("beta", sub_id="sub_beta")))
    assert refreshed(sub_b).status == Subscription.Status.ACTIVE
    assert refreshed(sub_a).status == Subscription.Status.TRIALING


def test_unknown_schools_and_other_event_types_are_acknowledged(webhook, sub_a):
    orphan = event(
        "customer.subscription.updated", stripe_subscription("nowhere", sub_id="sub_x", customer="cus_x")
    )
    assert deliver(webhook, orphan).content == b"no matching school"
    other = event("charge.refunded", {"id": "ch_1", "object": "charge"})
    assert deliver(webhook, other).content == b"ignored"
    assert refreshed(sub_a).status == Subscription.Status.TRIALING
