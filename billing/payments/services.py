"""Every write to payments: create, start, apply what a provider says, refund, sync, settings.

Exactly-once, in three locks:
1. ``ProviderEvent(provider, event_id)`` is unique: a redelivered event finds the row and stops.
2. The Payment row is locked (``select_for_update``) while its state changes, and a state only
   moves along the allowed edges, so two different events saying "paid" credit once.
3. ``payment_succeeded`` is sent inside that transaction: the credit commits with the state.
Refunds reserve their amount on the locked Payment before the provider is called, so concurrent
refunds can never together exceed what was paid (and a CHECK constraint backs this up).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from billing.errors import (
    IdempotencyConflict,
    InvalidAmount,
    PaymentStateConflict,
    ProviderFailed,
    RefundExceedsPaid,
)
from billing.payments.models import (
    PAID_STATES,
    Payment,
    PaymentState,
    PaymentTransition,
    Provider,
    ProviderAccount,
    ProviderEvent,
    Refund,
)
from billing.payments.providers.base import (
    Notification,
    PayerContext,
    PaymentStatus,
    ProviderError,
    RefundStatus,
)
from billing.payments.secrets import seal
from billing.payments.selectors import payment_by_reference, provider_for
from billing.payments.signals import payment_admin_action, payment_refunded, payment_succeeded

PAYMENT_LIFETIME = timedelta(minutes=30)


def _reference(prefix: str) -> str:
    # 21 characters: fits WeChat's out_trade_no (≤ 32) and reads well on a receipt.
    return f"{prefix}{timezone.localtime():%Y%m%d}{secrets.token_hex(6).upper()}"


def _move(payment: Payment, to: str, *, source: str, note: str = "", fields: tuple[str, ...] = ()) -> None:
    PaymentTransition.objects.create(
        payment=payment, from_state=payment.state, to_state=to, source=source, note=note[:200]
    )
    payment.state = to
    payment.save(update_fields=["state", "updated_at", *fields])


def _check_amount(amount) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidAmount()
    return amount


def payment_create(
    *,
    purpose: str,
    purpose_id: str | int,
    subject: str,
    amount: int,
    idempotency_key: str,
    currency: str = "CNY",
    payer=None,
    payer_name: str = "",
    metadata: dict | None = None,
    return_url: str = "",
    lifetime: timedelta = PAYMENT_LIFETIME,
) -> Payment:
    """Create (or return the existing) Payment for a purchase; the payer then chooses how to pay."""
    _check_amount(amount)
    currency = currency.upper()
    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Payment.objects.create(
                    reference=_reference("P"),
                    purpose=purpose,
                    purpose_id=str(purpose_id),
                    subject=subject[:120],
                    amount=amount,
                    currency=currency,
                    idempotency_key=idempotency_key,
                    payer=payer if getattr(payer, "pk", None) else None,
                    payer_name=payer_name or getattr(payer, "name", "") or "",
                    metadata=metadata or {},
                    return_url=return_url,
                    expires_at=timezone.now() + lifetime,
                )
        except IntegrityError:
            existing = Payment.objects.get(idempotency_key=idempotency_key)
    same = (existing.purpose, existing.purpose_id, existing.amount, existing.currency) == (
        purpose,
        str(purpose_id),
        amount,
        currency,
    )
    if not same:
        raise IdempotencyConflict()
    return existing


def payment_start(*, payment: Payment, provider: str, payer: PayerContext) -> Payment:
    """Open the order at `provider` and store what the payer's client must do next."""
    if payment.state not in (PaymentState.CREATED, PaymentState.PENDING, PaymentState.FAILED):
        raise PaymentStateConflict("该支付单已支付或已关闭" if payment.is_paid else None)
    gateway = provider_for(provider)
    if payer.channel and payer.channel not in gateway.channels:
        raise PaymentStateConflict(f"{gateway.label}不支持此支付方式")
    # The provider call happens outside any lock: it can be slow, and a webhook for this payment
    # must not wait for it.
    payment.provider = provider  # in memory only: what the provider sees; saved below under lock
    try:
        checkout = gateway.start(payment, payer)
    except ProviderError as exc:
        raise ProviderFailed(exc.message) from exc
    with transaction.atomic():
        locked = payment_by_reference(payment.reference, lock=True)
        if locked.state not in (PaymentState.CREATED, PaymentState.PENDING, PaymentState.FAILED):
            raise PaymentStateConflict("该支付单已支付或已关闭")
        locked.provider = provider
        locked.provider_ref = checkout.provider_ref
        locked.action = checkout.action
        # The selling app's page wins: the pay page passes its own return page to the provider,
        # and storing that here would lose where the payer goes once paid.
        if payer.return_url and not locked.return_url:
            locked.return_url = payer.return_url
        fields = ("provider", "provider_ref", "action", "return_url")
        if locked.state == PaymentState.PENDING:
            locked.save(update_fields=[*fields, "updated_at"])
        else:
            _move(locked, PaymentState.PENDING, source=f"start:{provider}", fields=fields)
    return locked


def _apply_payment(status: PaymentStatus, *, source: str) -> str:
    payment = payment_by_reference(status.reference, lock=True)
    now = timezone.now()
    if status.status == "succeeded":
        if payment.state in PAID_STATES:
            if status.provider_ref and payment.provider_ref and status.provider_ref != payment.provider_ref:
                # Paid twice through two channels: real money twice; the office must refund one.
                payment.metadata = {**payment.metadata, "duplicate_payment": status.provider_ref}
                payment.save(update_fields=["metadata", "updated_at"])
                return "duplicate_payment"
            return "already_paid"
        if status.amount is not None and (
            status.amount != payment.amount
            or (status.currency or payment.currency).upper() != payment.currency
        ):
            payment.failure_reason = f"渠道金额不符：{status.amount} {status.currency}"
            payment.save(update_fields=["failure_reason", "updated_at"])
            return "amount_mismatch"
        payment.paid_amount = payment.amount
        payment.succeeded_at = now
        payment.failure_reason = ""
        if status.provider_ref:
            payment.provider_ref = status.provider_ref
        _move(
            payment,
            PaymentState.SUCCEEDED,
            source=source,
            fields=("paid_amount", "succeeded_at", "failure_reason", "provider_ref"),
        )
        payment_succeeded.send(sender=Payment, payment=payment)
        return "credited"
    if status.status in ("failed", "cancelled"):
        # A failure reported after success (events out of order) changes nothing.
        if payment.state not in (PaymentState.CREATED, PaymentState.PENDING):
            return "ignored_stale"
        payment.failure_reason = status.failure_reason[:200]
        to = PaymentState.FAILED if status.status == "failed" else PaymentState.CANCELLED
        _move(payment, to, source=source, note=status.failure_reason, fields=("failure_reason",))
        return status.status
    return "pending"


def _apply_refund(status: RefundStatus, *, source: str) -> str:
    refund = Refund.objects.select_for_update().filter(reference=status.reference).first()
    if refund is None:
        return "unknown_refund"
    if refund.state != Refund.State.PENDING:
        return "already_settled"
    if status.status == "pending":
        if status.provider_ref and not refund.provider_ref:
            # Keep the provider's refund id: the sweep's refund_query asks about it later.
            refund.provider_ref = status.provider_ref
            refund.save(update_fields=["provider_ref"])
        return "pending"
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    refund.completed_at = timezone.now()
    refund.provider_ref = status.provider_ref or refund.provider_ref
    if status.status == "failed":
        refund.state = Refund.State.FAILED
        refund.failure_reason = status.failure_reason[:200]
        refund.save(update_fields=["state", "failure_reason", "completed_at", "provider_ref"])
        payment.refunded_amount -= refund.amount  # give the reservation back
        payment.save(update_fields=["refunded_amount", "updated_at"])
        return "refund_failed"
    refund.state = Refund.State.SUCCEEDED
    refund.save(update_fields=["state", "completed_at", "provider_ref"])
    settled = (
        payment.refunds.filter(state=Refund.State.SUCCEEDED).aggregate(total=Sum("amount"))["total"] or 0
    )
    to = PaymentState.REFUNDED if settled >= payment.paid_amount else PaymentState.PARTIALLY_REFUNDED
    _move(payment, to, source=source, note=f"退款 {refund.reference} {refund.amount}")
    payment_refunded.send(sender=Payment, payment=payment, refund=refund)
    return "refunded"


def payment_apply_status(*, status: PaymentStatus, source: str) -> str:
    """Apply the provider's view of a payment (from a query or the sandbox); returns the outcome."""
    with transaction.atomic():
        return _apply_payment(status, source=source)


def webhook_process(*, provider: str, notification: Notification) -> str:
    """Apply one verified provider event exactly once; returns what happened (for the event log)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = ProviderEvent.objects.create(
                    provider=provider,
                    event_id=notification.event_id[:120],
                    type=notification.type[:60],
                    payload=notification.payload,
                )
        except IntegrityError:
            return "duplicate"
        outcome = "ignored"
        if notification.payment is not None:
            outcome = _apply_payment(notification.payment, source=f"webhook:{provider}")
            event.payment = Payment.objects.filter(reference=notification.payment.reference).first()
        elif notification.refund is not None:
            outcome = _apply_refund(notification.refund, source=f"webhook:{provider}")
            refund = Refund.objects.filter(reference=notification.refund.reference).first()
            event.payment_id = refund.payment_id if refund else None
        event.outcome = outcome
        event.save(update_fields=["outcome", "payment"])
        return outcome


def refund_create(*, payment: Payment, amount: int, reason: str, actor=None) -> Refund:
    """Refund `amount` fen of a paid payment (full or partial); never more than is left to refund."""
    _check_amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise PaymentStateConflict("请填写退款原因", code="reason_required")
    with transaction.atomic():
        locked = payment_by_reference(payment.reference, lock=True)
        if locked.state not in (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED):
            raise PaymentStateConflict("只有已支付的订单可以退款")
        if amount > locked.refundable_amount:
            raise RefundExceedsPaid(f"最多可退 {locked.refundable_amount / 100:.2f} 元")
        locked.refunded_amount += amount  # reserved now, released if the provider refuses
        locked.save(update_fields=["refunded_amount", "updated_at"])
        refund = Refund.objects.create(
            payment=locked, reference=_reference("R"), amount=amount, reason=reason[:200], operator=actor
        )
        payment_admin_action.send(
            sender=Refund,
            actor=actor,
            action="payments.refund",
            summary=f"退款 {locked.reference}：{amount / 100:.2f} 元（{reason}）",
            payment=locked,
            after={"refund": refund.reference, "amount": amount, "reason": reason},
        )
    try:
        status = provider_for(locked.provider).refund(refund, locked.paid_amount)
    except ProviderError as exc:
        status = RefundStatus(reference=refund.reference, status="failed", failure_reason=exc.message)
    with transaction.atomic():
        _apply_refund(status, source=f"refund:{locked.provider}")
    refund.refresh_from_db()
    if refund.state == Refund.State.FAILED:
        raise ProviderFailed(f"退款失败：{refund.failure_reason}")
    return refund


def refund_sync(*, refund: Refund) -> Refund:
    """Ask the provider about a refund still pending (providers that refund asynchronously)."""
    gateway = provider_for(refund.payment.provider)
    query = getattr(gateway, "refund_query", None)
    if refund.state == Refund.State.PENDING and query is not None:
        try:
            status = query(refund)
        except ProviderError:
            return refund
        with transaction.atomic():
            _apply_refund(status, source=f"query:{refund.payment.provider}")
        refund.refresh_from_db()
    return refund


def payment_sync(*, payment: Payment) -> Payment:
    """Look the order up at the provider (its notify may never come) and apply the answer."""
    if payment.state != PaymentState.PENDING or not payment.provider:
        return payment
    try:
        status = provider_for(payment.provider).query(payment)
    except ProviderError:
        status = None
    with transaction.atomic():
        if status is not None:
            _apply_payment(status, source=f"query:{payment.provider}")
        Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
    payment.refresh_from_db()
    return payment


def payment_expire(*, payment: Payment) -> Payment:
    """Close an unpaid payment past its lifetime, at the provider first (so it can't be paid later)."""
    payment = payment_sync(payment=payment)
    if payment.state not in (PaymentState.CREATED, PaymentState.PENDING):
        return payment
    if payment.provider:
        try:
            provider_for(payment.provider).close(payment)
        except ProviderError:
            return payment  # try again on the next sweep rather than cancel what might be paid
    payment_apply_status(
        status=PaymentStatus(
            reference=payment.reference, status="cancelled", failure_reason="支付超时，订单已关闭"
        ),
        source="expire",
    )
    payment.refresh_from_db()
    return payment


def payment_cancel(*, payment: Payment, reason: str = "付款人取消") -> Payment:
    """The buyer (or the selling app) abandons an unpaid payment."""
    if payment.state not in (PaymentState.CREATED, PaymentState.PENDING):
        raise PaymentStateConflict()
    if payment.provider:
        try:
            provider_for(payment.provider).close(payment)
        except ProviderError as exc:
            raise ProviderFailed(exc.message) from exc
    payment_apply_status(
        status=PaymentStatus(reference=payment.reference, status="cancelled", failure_reason=reason),
        source="cancel",
    )
    payment.refresh_from_db()
    return payment


SECRET_FIELDS = (
    "stripe_secret_key",
    "stripe_webhook_secret",
    "wechat_api_key",
    "wechat_cert_pem",
    "wechat_key_pem",
)
PLAIN_FIELDS = ("stripe_publishable_key", "wechat_app_id", "wechat_mini_app_id", "wechat_mch_id")


def provider_account_update(*, provider: str, actor, enabled: bool, **fields) -> ProviderAccount:
    """Save a school's credentials for `provider`; a blank secret keeps the stored one."""
    if provider not in (Provider.STRIPE, Provider.WECHATPAY, Provider.SANDBOX):
        raise PaymentStateConflict("未知的支付渠道", code="unknown_provider")
    with transaction.atomic():
        account, _ = ProviderAccount.objects.select_for_update().get_or_create(provider=provider)
        before = {"enabled": account.enabled, **{f: getattr(account, f) for f in PLAIN_FIELDS}}
        account.enabled = enabled
        changed_secrets = []
        for name, value in fields.items():
            if name in PLAIN_FIELDS:
                setattr(account, name, (value or "").strip())
            elif name in SECRET_FIELDS and value:
                setattr(account, name, seal(value.strip()))
                changed_secrets.append(name)
        account.save()
        after = {"enabled": account.enabled, **{f: getattr(account, f) for f in PLAIN_FIELDS}}
        payment_admin_action.send(
            sender=ProviderAccount,
            actor=actor,
            action="payments.account_update",
            summary=f"修改支付渠道配置：{account.get_provider_display()}",
            payment=None,
            before=before,
            # Which secrets changed, never their values.
            after={**after, "secrets_changed": changed_secrets},
        )
    return account


def sandbox_settle(*, payment: Payment, outcome: str) -> str:
    """The sandbox page's "paid"/"failed" button: a signed sandbox event through the webhook path."""
    from django.db import connection

    from billing.payments.providers import sandbox

    if payment.provider != Provider.SANDBOX:
        raise PaymentStateConflict("只有沙箱支付单可以模拟支付")
    if outcome not in ("succeeded", "failed"):
        raise PaymentStateConflict("未知的模拟结果", code="invalid_outcome")
    body = sandbox.event_body(
        schema_name=connection.schema_name,
        reference=payment.reference,
        outcome=outcome,
        amount=payment.amount,
        currency=payment.currency,
    )
    headers = {sandbox.SIGNATURE_HEADER: sandbox.sign(body, schema_name=connection.schema_name)}
    outcomes = [
        webhook_process(provider=Provider.SANDBOX, notification=n)
        for n in provider_for(Provider.SANDBOX).parse_webhook(body, headers)
    ]
    return outcomes[0] if outcomes else "ignored"
