"""Seams into other apps (payments, privacy, to-dos); each receiver is documented where it is defined."""

from __future__ import annotations

from django.dispatch import receiver

from alumni.events.services.registrations import PAYMENT_PURPOSE, registration_paid, registration_refunded
from billing.payments.models import Payment
from billing.payments.signals import payment_refunded, payment_succeeded


@receiver(payment_succeeded, sender=Payment, dispatch_uid="events.registration_paid")
def _registration_paid(sender, payment, **kwargs):
    """A ticket was paid: confirm its registration (once) inside the payment's own transaction, so
    the payment and the confirmation commit together; money for a registration no longer waiting
    for it is refunded after commit."""
    if payment.purpose == PAYMENT_PURPOSE:
        registration_paid(payment=payment)


@receiver(payment_refunded, sender=Payment, dispatch_uid="events.registration_refunded")
def _registration_refunded(sender, payment, refund, **kwargs):
    """A refund was confirmed: record it; a full refund of a registration still holding places
    (made from the payments back office) cancels it and revokes its tickets."""
    if payment.purpose == PAYMENT_PURPOSE:
        registration_refunded(payment=payment, refund=refund)
