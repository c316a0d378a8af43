"""WeChat Pay races: notify retries and order queries for one paid order, all at once, credit once.

Real threads on separate database connections, notifies through the platform webhook and queries
through the local stand-in for api.mch.weixin.qq.com (wechatpay_standin.py). Transactional tests
leave school-schema rows behind, so the test removes what it created.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from billing.payments.models import Payment, PaymentTransition, ProviderAccount, ProviderEvent
from billing.payments.providers.base import PayerContext
from billing.payments.providers.wechatpay import webhook_url
from billing.payments.secrets import seal
from billing.payments.services import payment_create, payment_start, payment_sync
from tests.billing.payments.support import received
from tests.billing.payments.wechatpay_standin import ALPHA, wechatpay_pki, wechatpay_server
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)
FIXTURES = (wechatpay_pki, wechatpay_server)


@pytest.fixture
def alpha_merchant(wechatpay_server, wechatpay_pki, settings, monkeypatch, school_a):
    wechatpay_server.reset()
    wechatpay_server.add_merchant(ALPHA.mch_id, ALPHA.api_key, {ALPHA.app_id})
    settings.WECHATPAY_API_BASE = wechatpay_server.url
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(wechatpay_pki.ca_path))
    with inside(school_a):
        ProviderAccount.objects.create(
            provider="wechatpay",
            enabled=True,
            wechat_app_id=ALPHA.app_id,
            wechat_mch_id=ALPHA.mch_id,
            wechat_api_key=seal(ALPHA.api_key),
        )
    yield wechatpay_server
    with inside(school_a):
        ProviderEvent.objects.all().delete()
        PaymentTransition.objects.all().delete()
        Payment.objects.all().delete()
        ProviderAccount.objects.all().delete()


def _run(n, target):
    barrier = threading.Barrier(n)
    results: list = []

    def worker(i):
        try:
            barrier.wait(timeout=20)
            results.append(target(i))
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_notify_retries_and_order_queries_racing_credit_once(alpha_merchant, school_a):
    with inside(school_a):
        payment = payment_create(
            purpose="tests.order",
            purpose_id="race",
            subject="校庆纪念品",
            amount=6600,
            idempotency_key=uuid.uuid4().hex,
        )
        payer = PayerContext(channel="jsapi", openid="o-racer", notify_url=webhook_url())
        payment = payment_start(payment=payment, provider="wechatpay", payer=payer)
    alpha_merchant.pay(ALPHA.mch_id, payment.reference)
    body = alpha_merchant.payment_notify(ALPHA.mch_id, payment.reference)

    def deliver_or_query(i):
        if i % 2:
            with inside(school_a):
                return payment_sync(payment=Payment.objects.get(pk=payment.pk)).state
        response = Client(HTTP_HOST="localhost").post(
            "/pay/webhooks/wechatpay/", data=body, content_type="text/xml"
        )
        return response.status_code

    with received() as credited:
        results = _run(12, deliver_or_query)
    assert sorted(map(str, results)) == ["200"] * 6 + ["succeeded"] * 6
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        assert PaymentTransition.objects.filter(payment=payment, to_state="succeeded").count() == 1
        assert ProviderEvent.objects.count() == 1
        assert Payment.objects.get(pk=payment.pk).paid_amount == 6600
