"""Sandbox: a clearly labelled provider for demos and development that never moves money.

It walks the same road as the real providers: ``start`` returns a page where the payer chooses
"paid" or "failed"; that choice becomes a signed event (HMAC-SHA256 with a per-school key derived
from SECRET_KEY, Stripe-style ``t=…,v1=…`` header) which goes through the same webhook
verification, dedupe and state machine as a real provider's. The same events can be POSTed to the
platform's ``/pay/webhooks/sandbox/`` (the giving-day benchmark does).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from billing.payments.providers import register
from billing.payments.providers.base import (
    Checkout,
    InvalidSignature,
    Notification,
    PayerContext,
    PaymentProvider,
    PaymentStatus,
    RefundStatus,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
TOLERANCE_SECONDS = 300


def _key(schema_name: str) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"sandbox-webhook:{schema_name}".encode(), hashlib.sha256
    ).digest()


def sign(body: bytes, *, schema_name: str, timestamp: int | None = None) -> str:
    """The signature header value for `body` (used by the sandbox page, tests and the benchmark)."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(_key(schema_name), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event_body(*, schema_name: str, reference: str, outcome: str, amount: int, currency: str) -> bytes:
    """A sandbox event as the sandbox 'provider' would push it."""
    event = {
        "id": f"sbx_evt_{uuid.uuid4().hex}",
        "type": f"payment.{outcome}",
        "created": int(time.time()),
        "school": schema_name,
        "data": {
            "reference": reference,
            "amount": amount,
            "currency": currency,
            "transaction": f"sbx_{reference}",
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


@register
class SandboxProvider(PaymentProvider):
    code = "sandbox"
    label = _("沙箱（演示，不扣款）")
    channels = ("sandbox",)

    def start(self, payment, payer: PayerContext) -> Checkout:
        return Checkout(
            provider_ref=f"sbx_{payment.reference}",
            action={"type": "sandbox", "url": f"/pay/{payment.reference}/sandbox/"},
        )

    def query(self, payment) -> PaymentStatus:
        # The sandbox has no ledger of its own: an unanswered sandbox payment stays pending.
        status = "succeeded" if payment.is_paid else "pending"
        return PaymentStatus(reference=payment.reference, status=status, provider_ref=payment.provider_ref)

    def refund(self, refund, payer_total: int) -> RefundStatus:
        return RefundStatus(
            reference=refund.reference, status="succeeded", provider_ref=f"sbx_{refund.reference}"
        )

    @classmethod
    def route(cls, body: bytes, headers) -> str | None:
        try:
            return json.loads(body).get("school") or None
        except (ValueError, AttributeError):
            return None

    def parse_webhook(self, body: bytes, headers) -> list[Notification]:
        header = headers.get(SIGNATURE_HEADER, "")
        try:
            parts = dict(item.split("=", 1) for item in header.split(","))
            timestamp = int(parts["t"])
            given = parts["v1"]
        except (ValueError, KeyError):
            raise InvalidSignature("missing or malformed sandbox signature") from None
        expected = sign(body, schema_name=self.schema_name, timestamp=timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, given):
            raise InvalidSignature("sandbox signature mismatch")
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise InvalidSignature("sandbox signature too old")
        event = json.loads(body)
        data = event.get("data") or {}
        outcome = event.get("type", "").removeprefix("payment.")
        if outcome not in ("succeeded", "failed"):
            return [Notification(event_id=event["id"], type=event.get("type", ""), payload=event)]
        return [
            Notification(
                event_id=event["id"],
                type=event["type"],
                created=event.get("created"),
                payload=event,
                payment=PaymentStatus(
                    reference=data.get("reference", ""),
                    status=outcome,
                    provider_ref=data.get("transaction", ""),
                    amount=data.get("amount"),
                    currency=data.get("currency"),
                    failure_reason="沙箱模拟支付失败" if outcome == "failed" else "",
                ),
            )
        ]
