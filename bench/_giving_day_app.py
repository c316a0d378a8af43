"""A bench-only app loaded into the giving-day server: it counts ``payment_succeeded`` receptions.

Every credit that commits appends its payment reference as one line to ``BENCH_CREDITS_FILE``
(``O_APPEND`` writes of one short line do not interleave), so the bench can see whether any
payment was credited more than once however many threads the server ran.
"""

from __future__ import annotations

import os

from django.apps import AppConfig


def _record(reference: str) -> None:
    fd = os.open(os.environ["BENCH_CREDITS_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{reference}\n".encode())
    finally:
        os.close(fd)


def _on_succeeded(sender, payment, **kwargs):
    from django.db import transaction

    reference = payment.reference
    # Counted when the credit commits: a rolled-back credit is not a credit.
    transaction.on_commit(lambda: _record(reference))


class GivingDayBenchConfig(AppConfig):
    name = "_giving_day_app"
    label = "giving_day_bench"

    def ready(self):
        from billing.payments.signals import payment_succeeded

        payment_succeeded.connect(_on_succeeded, dispatch_uid="giving-day-bench-counter")
