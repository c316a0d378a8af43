"""Payment sweeps, run every few minutes in every school (beat → tenants.for_each_school)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from tenant_schemas_celery.task import TenantTask

from billing.payments.models import Payment, PaymentState, Refund
from billing.payments.selectors import payments_stale_pending
from billing.payments.services import payment_expire, payment_sync, refund_sync

# A notify normally arrives within seconds; after this long we ask the provider ourselves.
NOTIFY_GRACE = timedelta(minutes=2)
RECHECK_EVERY = timedelta(minutes=5)


@shared_task(base=TenantTask, name="payments.sweep", ignore_result=True)
def payments_sweep() -> dict:
    """Query pending payments whose notify never came, close expired ones, settle pending refunds."""
    now = timezone.now()
    counts = {"synced": 0, "expired": 0, "refunds": 0}
    for payment in payments_stale_pending(older_than=now - NOTIFY_GRACE, checked_before=now - RECHECK_EVERY)[
        :500
    ]:
        payment_sync(payment=payment)
        counts["synced"] += 1
    expired = Payment.objects.filter(
        state__in=(PaymentState.CREATED, PaymentState.PENDING), expires_at__lt=now
    ).order_by("expires_at")[:500]
    for payment in expired:
        payment_expire(payment=payment)
        counts["expired"] += 1
    for refund in Refund.objects.filter(state=Refund.State.PENDING, created_at__lt=now - NOTIFY_GRACE)[:200]:
        refund_sync(refund=refund)
        counts["refunds"] += 1
    return counts
