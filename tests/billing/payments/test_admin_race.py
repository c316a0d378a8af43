"""Two admins refunding the whole of one payment from the back office at the same moment.

Real concurrent requests on separate connections (threads + committed rows): one refund goes
through, the other is refused, and the school never pays back more than it received.
Transactional tests leave school-schema rows behind, so this test removes what it created.
"""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from alumni.core.models import AuditEntry
from billing.payments.models import Payment, PaymentState, ProviderEvent, Refund
from billing.payments.services import sandbox_settle
from tests.alumni.people.admin_support import logged_in
from tests.billing.payments.support import sandbox_payment
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_refunding_everything_at_once_refund_it_once(school_a):
    payment = None
    try:
        with inside(school_a):
            payment = sandbox_payment(8800, purpose="tests.race")
            sandbox_settle(payment=payment, outcome="succeeded")
            admin = get_user_model().objects.get(email="admin@alpha.edu.cn")
        clients = [logged_in(school_a, admin) for _ in range(2)]
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def refund(client):
            try:
                barrier.wait(timeout=10)
                response = client.post(
                    f"/admin/payments/{payment.reference}/", {"amount": "88", "reason": "并发退款"}
                )
                statuses.append(response.status_code)
            finally:
                connection.close()

        threads = [threading.Thread(target=refund, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        # The winner is redirected; the other sees the refusal on its form, or, if it came in after
        # the winner had finished, is told the payment can no longer be refunded.
        assert sorted(statuses) in ([200, 302], [302, 302])
        with inside(school_a):
            fresh = Payment.objects.get(pk=payment.pk)
            assert fresh.refunded_amount == 8800 and fresh.state == PaymentState.REFUNDED
            assert list(Refund.objects.filter(payment=fresh).values_list("amount", flat=True)) == [8800]
    finally:
        if payment is not None:
            with inside(school_a):
                AuditEntry.objects.filter(action="payments.refund", object_id=str(payment.pk)).delete()
                Refund.objects.filter(payment_id=payment.pk).delete()
                ProviderEvent.objects.filter(payment_id=payment.pk).delete()
                Payment.objects.filter(pk=payment.pk).delete()
