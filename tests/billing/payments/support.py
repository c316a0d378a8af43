"""Helpers for payment tests: a sandbox payment, a signal recorder, signed sandbox deliveries."""

from __future__ import annotations

import contextlib
import uuid

from django.db import connection

from billing.payments.models import Provider
from billing.payments.providers import sandbox
from billing.payments.providers.base import PayerContext
from billing.payments.services import payment_create, payment_start
from billing.payments.signals import payment_refunded, payment_succeeded


def sandbox_payment(amount: int = 10000, *, purpose: str = "tests.order", payer=None, start: bool = True):
    payment = payment_create(
        purpose=purpose,
        purpose_id=uuid.uuid4().hex[:8],
        subject="校庆晚宴门票",
        amount=amount,
        idempotency_key=uuid.uuid4().hex,
        payer=payer,
    )
    if start:
        payment = payment_start(
            payment=payment, provider=Provider.SANDBOX, payer=PayerContext(channel="sandbox")
        )
    return payment


def signed_delivery(payment, *, outcome: str = "succeeded", schema: str | None = None, timestamp=None):
    """(body, headers) of a sandbox event for `payment`, signed with `schema`'s key."""
    schema = schema or connection.schema_name
    body = sandbox.event_body(
        schema_name=connection.schema_name,
        reference=payment.reference,
        outcome=outcome,
        amount=payment.amount,
        currency=payment.currency,
    )
    return body, {"HTTP_X_SANDBOX_SIGNATURE": sandbox.sign(body, schema_name=schema, timestamp=timestamp)}


@contextlib.contextmanager
def received(signal=payment_succeeded):
    """Collect the payments a signal was sent for (as (reference, schema) pairs)."""
    calls: list[tuple[str, str]] = []

    def receiver(sender, payment, **kwargs):
        calls.append((payment.reference, connection.schema_name))

    signal.connect(receiver, weak=False, dispatch_uid=f"test-{id(calls)}")
    try:
        yield calls
    finally:
        signal.disconnect(dispatch_uid=f"test-{id(calls)}")


__all__ = ["payment_refunded", "received", "sandbox_payment", "signed_delivery"]
