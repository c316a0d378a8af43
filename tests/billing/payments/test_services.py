"""The payment state machine through the sandbox provider: create, start, credit once, refunds."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model

from alumni.core.models import AuditEntry
from billing.errors import (
    IdempotencyConflict,
    InvalidAmount,
    PaymentStateConflict,
    ProviderUnavailable,
    RefundExceedsPaid,
)
from billing.payments.models import Payment, PaymentState, Provider, ProviderAccount, Refund
from billing.payments.providers.base import PaymentStatus
from billing.payments.secrets import unseal
from billing.payments.selectors import enabled_providers
from billing.payments.services import (
    payment_apply_status,
    payment_cancel,
    payment_create,
    payment_expire,
    provider_account_update,
    refund_create,
    sandbox_settle,
)
from billing.payments.signals import payment_refunded
from tests.billing.payments.support import received, sandbox_payment
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _admin():
    return get_user_model().objects.filter(is_superuser=True).first()


def test_same_idempotency_key_returns_the_same_payment(school_a):
    with inside(school_a):
        key = uuid.uuid4().hex
        first = payment_create(
            purpose="events.order", purpose_id=7, subject="门票", amount=5000, idempotency_key=key
        )
        again = payment_create(
            purpose="events.order", purpose_id="7", subject="门票", amount=5000, idempotency_key=key
        )
        assert again.pk == first.pk
        assert Payment.objects.count() == 1
        with pytest.raises(IdempotencyConflict):
            payment_create(
                purpose="events.order", purpose_id=7, subject="门票", amount=6000, idempotency_key=key
            )


@pytest.mark.parametrize("amount", [0, -100, 12.5, "100", True])
def test_amounts_must_be_positive_integer_fen(school_a, amount):
    with inside(school_a), pytest.raises(InvalidAmount):
        payment_create(
            purpose="x", purpose_id=1, subject="x", amount=amount, idempotency_key=uuid.uuid4().hex
        )


def test_sandbox_walks_created_pending_succeeded_and_credits_once(school_a):
    with inside(school_a), received() as credited:
        payment = sandbox_payment(amount=1000)
        assert payment.state == PaymentState.PENDING
        assert payment.action == {"type": "sandbox", "url": f"/pay/{payment.reference}/sandbox/"}
        assert sandbox_settle(payment=payment, outcome="succeeded") == "credited"
        # The same "paid" told again (another event, a query) changes nothing.
        assert sandbox_settle(payment=payment, outcome="succeeded") == "already_paid"
        assert (
            payment_apply_status(
                status=PaymentStatus(
                    reference=payment.reference, status="succeeded", provider_ref=payment.provider_ref
                ),
                source="query:sandbox",
            )
            == "already_paid"
        )
        payment.refresh_from_db()
        assert payment.state == PaymentState.SUCCEEDED
        assert payment.paid_amount == 1000
        assert credited == [(payment.reference, "alpha")]
        assert [t.to_state for t in payment.transitions.all()] == ["pending", "succeeded"]


def test_failure_after_success_is_ignored_and_success_after_failure_credits(school_a):
    with inside(school_a), received() as credited:
        paid = sandbox_payment()
        sandbox_settle(payment=paid, outcome="succeeded")
        assert sandbox_settle(payment=paid, outcome="failed") == "ignored_stale"
        paid.refresh_from_db()
        assert paid.state == PaymentState.SUCCEEDED

        late = sandbox_payment()
        assert sandbox_settle(payment=late, outcome="failed") == "failed"
        assert sandbox_settle(payment=late, outcome="succeeded") == "credited"
        late.refresh_from_db()
        assert late.state == PaymentState.SUCCEEDED
        assert [ref for ref, _ in credited] == [paid.reference, late.reference]


def test_amount_mismatch_is_not_credited(school_a):
    with inside(school_a), received() as credited:
        payment = sandbox_payment(amount=10000)
        outcome = payment_apply_status(
            status=PaymentStatus(reference=payment.reference, status="succeeded", amount=100, currency="CNY"),
            source="query:sandbox",
        )
        assert outcome == "amount_mismatch"
        payment.refresh_from_db()
        assert payment.state == PaymentState.PENDING
        assert "金额不符" in payment.failure_reason
        assert credited == []


def test_a_second_transaction_for_a_paid_payment_is_flagged(school_a):
    with inside(school_a), received() as credited:
        payment = sandbox_payment()
        sandbox_settle(payment=payment, outcome="succeeded")
        outcome = payment_apply_status(
            status=PaymentStatus(reference=payment.reference, status="succeeded", provider_ref="other_txn"),
            source="webhook:wechatpay",
        )
        assert outcome == "duplicate_payment"
        payment.refresh_from_db()
        assert payment.metadata["duplicate_payment"] == "other_txn"
        assert len(credited) == 1


def test_refunds_partial_then_full_never_beyond_paid(school_a):
    with inside(school_a), received(payment_refunded) as refunded:
        payment = sandbox_payment(amount=10000)
        with pytest.raises(PaymentStateConflict):
            refund_create(payment=payment, amount=100, reason="未支付", actor=_admin())
        sandbox_settle(payment=payment, outcome="succeeded")
        first = refund_create(payment=payment, amount=3000, reason="部分退票", actor=_admin())
        assert first.state == Refund.State.SUCCEEDED
        payment.refresh_from_db()
        assert payment.state == PaymentState.PARTIALLY_REFUNDED
        assert payment.refundable_amount == 7000
        with pytest.raises(RefundExceedsPaid):
            refund_create(payment=payment, amount=7001, reason="多退", actor=_admin())
        with pytest.raises(PaymentStateConflict):
            refund_create(payment=payment, amount=100, reason="  ", actor=_admin())
        refund_create(payment=payment, amount=7000, reason="活动取消", actor=_admin())
        payment.refresh_from_db()
        assert payment.state == PaymentState.REFUNDED
        assert payment.refunded_amount == payment.paid_amount == 10000
        assert len(refunded) == 2
        with pytest.raises(PaymentStateConflict):
            refund_create(payment=payment, amount=1, reason="再退", actor=_admin())
        entries = AuditEntry.objects.filter(action="payments.refund")
        assert entries.count() == 2
        assert "活动取消" in entries.first().summary


def test_cancel_and_expire_close_unpaid_payments(school_a):
    with inside(school_a):
        payment = sandbox_payment()
        payment_cancel(payment=payment)
        payment.refresh_from_db()
        assert payment.state == PaymentState.CANCELLED
        with pytest.raises(PaymentStateConflict):
            payment_cancel(payment=payment)

        stale = sandbox_payment()
        payment_expire(payment=stale)
        stale.refresh_from_db()
        assert stale.state == PaymentState.CANCELLED
        assert "超时" in stale.failure_reason


def test_providers_offered_and_credentials_sealed(school_a, settings):
    with inside(school_a):
        assert enabled_providers() == ["sandbox"]
        settings.PAYMENTS_SANDBOX_ENABLED = False
        assert enabled_providers() == []
        with pytest.raises(ProviderUnavailable):
            sandbox_payment()
        account = provider_account_update(
            provider=Provider.STRIPE,
            actor=_admin(),
            enabled=True,
            stripe_publishable_key="pk_test_123",
            stripe_secret_key="sk_test_secret",
            stripe_webhook_secret="whsec_abc",
        )
        assert enabled_providers() == ["stripe"]
        stored = ProviderAccount.objects.get(pk=account.pk)
        assert "sk_test_secret" not in stored.stripe_secret_key
        assert unseal(stored.stripe_secret_key) == "sk_test_secret"
        # A blank secret keeps the stored one.
        provider_account_update(provider=Provider.STRIPE, actor=_admin(), enabled=True, stripe_secret_key="")
        assert unseal(ProviderAccount.objects.get(pk=account.pk).stripe_secret_key) == "sk_test_secret"
        entry = AuditEntry.objects.filter(action="payments.account_update").order_by("pk").first()
        assert entry.after["secrets_changed"] == ["stripe_secret_key", "stripe_webhook_secret"]
        assert "sk_test_secret" not in str(entry.after)


def test_each_school_has_its_own_payments(school_a, school_b):
    with inside(school_a):
        payment = sandbox_payment()
    with inside(school_b):
        assert not Payment.objects.filter(reference=payment.reference).exists()
        with pytest.raises(Exception, match="支付单不存在"):
            sandbox_settle(payment=payment, outcome="succeeded")
