"""The platform's own Stripe account (school plans), through the official ``stripe`` library.

Keys come from settings (``STRIPE_PLATFORM_SECRET_KEY``, ``STRIPE_PLATFORM_WEBHOOK_SECRET``);
``STRIPE_API_BASE`` lets tests and staging point the client at a local stand-in.
"""

from __future__ import annotations

import hashlib
import json
import time

import stripe
from django.conf import settings

from billing.subscriptions.errors import StripeCallFailed, StripeNotConfigured, WebhookRejected

# Stripe's own default: a signature older (or newer) than this is a replay, not a delivery.
WEBHOOK_TOLERANCE_SECONDS = 300
# Windows in which a repeated click reuses the same Checkout Session (Stripe idempotency).
_IDEMPOTENCY_WINDOW_SECONDS = 600


def is_configured() -> bool:
    return bool(settings.STRIPE_PLATFORM_SECRET_KEY)


def _client() -> stripe.StripeClient:
    if not is_configured():
        raise StripeNotConfigured()
    return stripe.StripeClient(
        settings.STRIPE_PLATFORM_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


def _idempotency_key(*parts: str) -> str:
    window = int(time.time()) // _IDEMPOTENCY_WINDOW_SECONDS
    return hashlib.sha256("|".join([*parts, str(window)]).encode()).hexdigest()


def checkout_session_create(
    *,
    price_id: str,
    schema: str,
    plan_code: str,
    success_url: str,
    cancel_url: str,
    customer_id: str = "",
    customer_email: str = "",
) -> str:
    """A Checkout Session in subscription mode for the school; returns the URL to send the admin to."""
    metadata = {"school": schema, "plan": plan_code}
    params: dict = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": schema,
        "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "locale": "zh",
    }
    if customer_id:
        params["customer"] = customer_id
    elif customer_email:
        params["customer_email"] = customer_email
    key = _idempotency_key("checkout", schema, plan_code, customer_id or customer_email)
    try:
        session = _client().v1.checkout.sessions.create(params=params, options={"idempotency_key": key})
    except stripe.StripeError as exc:
        raise StripeCallFailed() from exc
    return session.url


def portal_session_create(*, customer_id: str, return_url: str) -> str:
    """A customer-portal session (payment methods, invoices, cancel); returns its URL."""
    try:
        session = _client().v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url, "locale": "zh"}
        )
    except stripe.StripeError as exc:
        raise StripeCallFailed() from exc
    return session.url


def _signed_at(header: str) -> int:
    for part in header.split(","):
        key, _sep, value = part.partition("=")
        if key.strip() == "t" and value.strip().isdigit():
            return int(value)
    return 0


def event_verify(payload: bytes, signature_header: str) -> dict:
    """Check the Stripe-Signature header (v1 HMAC, 300 s tolerance) and return the event as a dict."""
    secret = settings.STRIPE_PLATFORM_WEBHOOK_SECRET
    if not secret:
        raise StripeNotConfigured()
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected() from exc
    # The library only refuses old timestamps; one far in the future is as suspect (or a bad clock).
    if _signed_at(signature_header) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookRejected("Stripe 事件时间戳超出允许范围")
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise WebhookRejected("Stripe 事件不是合法的 JSON") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookRejected("Stripe 事件缺少 id 或 type")
    return event
