"""Reads for payments: which providers a school has, payments by reference, admin lists."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from billing.errors import PaymentNotFound, ProviderUnavailable
from billing.payments.models import PAID_STATES, Payment, Provider, ProviderAccount, ProviderEvent, Refund
from billing.payments.providers import provider_class
from billing.payments.providers.base import PaymentProvider


def sandbox_allowed() -> bool:
    """Demos and development may pay through the sandbox; production schools never do by default."""
    return bool(getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False))


def enabled_providers() -> list[str]:
    """The providers this school takes payments through, in the order the pay page offers them."""
    codes = set(ProviderAccount.objects.filter(enabled=True).values_list("provider", flat=True))
    if sandbox_allowed():
        codes.add(Provider.SANDBOX)
    order = [Provider.WECHATPAY, Provider.STRIPE, Provider.SANDBOX]
    return [str(code) for code in order if code in codes]


def provider_for(code: str) -> PaymentProvider:
    """The provider `code`, configured with this school's credentials."""
    if code == Provider.SANDBOX:
        if not sandbox_allowed() and not ProviderAccount.objects.filter(provider=code, enabled=True).exists():
            raise ProviderUnavailable()
        return provider_class(code)(None, schema_name=connection.schema_name)
    account = ProviderAccount.objects.filter(provider=code).first()
    if account is None:
        raise ProviderUnavailable()
    return provider_class(code)(account, schema_name=connection.schema_name)


def payment_by_reference(reference: str, *, lock: bool = False) -> Payment:
    qs = Payment.objects.select_for_update() if lock else Payment.objects
    try:
        return qs.get(reference=reference)
    except Payment.DoesNotExist:
        raise PaymentNotFound() from None


def payments_for(purpose: str, purpose_id: str) -> QuerySet[Payment]:
    return Payment.objects.filter(purpose=purpose, purpose_id=str(purpose_id))


def payments_stale_pending(*, older_than, checked_before) -> QuerySet[Payment]:
    """Pending payments whose notify has not come: candidates for an order query."""
    return Payment.objects.filter(state="pending", created_at__lt=older_than).filter(
        Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=checked_before)
    )


def payment_for_viewer(reference: str, user) -> Payment:
    """The payment if `user` may see it: its payer, a school admin, or anyone for a payer-less one.

    Anyone else gets PaymentNotFound (404), so a reference cannot be probed for existence.
    """
    payment = Payment.objects.filter(reference=reference).first()
    if payment is None:
        raise PaymentNotFound()
    signed_in = bool(user and user.is_authenticated and user.is_active)
    if payment.payer_id is None or (signed_in and (user.is_superuser or user.pk == payment.payer_id)):
        return payment
    raise PaymentNotFound()


# --- Back office (支付管理): lists, totals, reconciliation ------------------------------------

# The finance office's calendar: a "day" in the list filters and the 对账单 is a Shanghai day.
FINANCE_TZ = ZoneInfo("Asia/Shanghai")


def local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in Shanghai time, as aware datetimes."""
    start = datetime.combine(first, time.min, tzinfo=FINANCE_TZ)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=FINANCE_TZ)
    return start, end


def payments_admin_list(
    *,
    q: str = "",
    state: str = "",
    provider: str = "",
    purpose: str = "",
    date_field: str = "created",
    date_from: date | None = None,
    date_to: date | None = None,
    amount_min: int | None = None,
    amount_max: int | None = None,
) -> QuerySet[Payment]:
    """Payments matching the back office's filters (amounts in fen, dates as Shanghai days)."""
    qs = Payment.objects.select_related("payer")
    if q := q.strip():
        qs = qs.filter(
            Q(reference__icontains=q)
            | Q(provider_ref__icontains=q)
            | Q(payer_name__icontains=q)
            | Q(subject__icontains=q)
        )
    if state:
        qs = qs.filter(state=state)
    if provider:
        qs = qs.filter(provider=provider)
    if purpose:
        qs = qs.filter(purpose=purpose)
    column = "succeeded_at" if date_field == "paid" else "created_at"
    if date_from:
        qs = qs.filter(**{f"{column}__gte": local_day_bounds(date_from, date_from)[0]})
    if date_to:
        qs = qs.filter(**{f"{column}__lt": local_day_bounds(date_to, date_to)[1]})
    if amount_min is not None:
        qs = qs.filter(amount__gte=amount_min)
    if amount_max is not None:
        qs = qs.filter(amount__lte=amount_max)
    return qs


def payments_totals(qs: QuerySet[Payment]) -> list[dict]:
    """Per currency: how many payments, what was paid, what was refunded (confirmed refunds only)."""
    rows = {
        row["currency"]: {**row, "refunded": 0}
        for row in qs.order_by().values("currency").annotate(count=Count("id"), paid=Sum("paid_amount"))
    }
    refunded = (
        Refund.objects.filter(payment__in=qs.order_by().values("pk"), state=Refund.State.SUCCEEDED)
        .order_by()
        .values("payment__currency")
        .annotate(total=Sum("amount"))
    )
    for row in refunded:
        rows[row["payment__currency"]]["refunded"] = row["total"]
    return [{**row, "paid": row["paid"] or 0} for _, row in sorted(rows.items())]


def payment_purposes() -> list[str]:
    """The purposes payments exist for (the list's filter choices)."""
    return list(Payment.objects.order_by("purpose").values_list("purpose", flat=True).distinct())


def payment_admin_detail(reference: str) -> Payment:
    """One payment for its back-office page (raises PaymentNotFound)."""
    try:
        return Payment.objects.select_related("payer").get(reference=reference)
    except Payment.DoesNotExist:
        raise PaymentNotFound() from None


def payment_events(payment: Payment) -> QuerySet[ProviderEvent]:
    return ProviderEvent.objects.filter(payment=payment).order_by("received_at", "id")


def payment_refunds(payment: Payment) -> QuerySet[Refund]:
    return Refund.objects.filter(payment=payment).select_related("operator").order_by("created_at", "id")


def provider_account(code: str) -> ProviderAccount | None:
    return ProviderAccount.objects.filter(provider=code).first()


def reconciliation_payments(*, provider: str, start: datetime, end: datetime) -> QuerySet[Payment]:
    """Payments the provider collected in [start, end): paid ones, whatever was refunded since."""
    return (
        Payment.objects.filter(
            provider=provider, state__in=PAID_STATES, succeeded_at__gte=start, succeeded_at__lt=end
        )
        .select_related("payer")
        .order_by("succeeded_at", "id")
    )


def reconciliation_refunds(*, provider: str, start: datetime, end: datetime) -> QuerySet[Refund]:
    """Refunds the provider completed in [start, end)."""
    return (
        Refund.objects.filter(
            payment__provider=provider,
            state=Refund.State.SUCCEEDED,
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .select_related("payment", "operator")
        .order_by("completed_at", "id")
    )
