"""WeChat Pay refunds through the local stand-in for api.mch.weixin.qq.com (wechatpay_standin.py).

The stand-in demands the merchant's API certificate (mutual TLS) on the refund endpoint, so a
refund that gets through proves the school's sealed PEMs were used. Refunds settle later: by the
encrypted refund notify WeChat POSTs to /pay/webhooks/wechatpay/<school>/, or by the refund query.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.errors import ProviderFailed, RefundExceedsPaid
from billing.payments.models import Payment, PaymentState, ProviderAccount, ProviderEvent, Refund
from billing.payments.providers.base import PayerContext
from billing.payments.providers.wechatpay import webhook_url
from billing.payments.services import payment_create, payment_start, refund_create, refund_sync
from billing.payments.tasks import payments_sweep
from tests.billing.payments.support import payment_refunded, received
from tests.billing.payments.wechatpay_standin import ALPHA, BETA, wechatpay, wechatpay_pki, wechatpay_server
from tests.conftest import inside

pytestmark = pytest.mark.django_db
FIXTURES = (wechatpay, wechatpay_pki, wechatpay_server)
SUCCESS = b"<return_code><![CDATA[SUCCESS]]></return_code>"
ALPHA_URL = "/pay/webhooks/wechatpay/alpha/"


@pytest.fixture
def paid(wechatpay, school_a, platform_client) -> Payment:
    """A 100-yuan payment in alpha, paid and notified through WeChat Pay."""
    with inside(school_a):
        payment = payment_create(
            purpose="tests.order",
            purpose_id=uuid.uuid4().hex[:8],
            subject="校友年会门票",
            amount=10000,
            idempotency_key=uuid.uuid4().hex,
        )
        payer = PayerContext(channel="jsapi", openid="o-alumnus-2", notify_url=webhook_url())
        payment = payment_start(payment=payment, provider="wechatpay", payer=payer)
    wechatpay.pay(ALPHA.mch_id, payment.reference)
    body = wechatpay.payment_notify(ALPHA.mch_id, payment.reference)
    assert (
        platform_client.post("/pay/webhooks/wechatpay/", data=body, content_type="text/xml").status_code
        == 200
    )
    with inside(school_a):
        payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    return payment


def refund(school, payment, amount: int) -> Refund:
    with inside(school):
        return refund_create(payment=Payment.objects.get(pk=payment.pk), amount=amount, reason="校友申请退票")


def notify(client, body: bytes, url: str = ALPHA_URL):
    return client.post(url, data=body, content_type="text/xml")


def test_partial_then_full_refund_settled_by_encrypted_notifies(
    wechatpay, school_a, platform_client, paid, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the certificate files go
    first = refund(school_a, paid, 3000)
    assert first.state == Refund.State.PENDING  # WeChat refunds settle asynchronously
    endpoint, sent = wechatpay.state.received[-1]
    assert endpoint == "secapi/pay/refund"
    assert wechatpay.state.client_certs[-1] == ("secapi/pay/refund", ALPHA.mch_id)
    assert sent["total_fee"] == "10000" and sent["refund_fee"] == "3000"
    assert sent["out_trade_no"] == paid.reference and sent["out_refund_no"] == first.reference
    assert sent["notify_url"] == webhook_url("alpha")
    assert sent["notify_url"].endswith(ALPHA_URL)
    assert first.provider_ref == wechatpay.state.refunds[first.reference]["refund_id"]
    assert os.listdir(tmp_path) == []  # the unsealed certificate did not outlive the request
    with inside(school_a):
        assert Payment.objects.get(pk=paid.pk).refunded_amount == 3000  # reserved while pending

    with received(payment_refunded) as refunded:
        body = wechatpay.refund_notify(first.reference)
        assert b"req_info" in body and b"out_refund_no" not in body  # the details travel encrypted
        response = notify(platform_client, body)
        assert response.status_code == 200 and SUCCESS in response.content
        assert notify(platform_client, body).status_code == 200  # redelivery: acknowledged only
    assert refunded == [(paid.reference, "alpha")]
    with inside(school_a):
        first.refresh_from_db()
        assert first.state == Refund.State.SUCCEEDED
        payment = Payment.objects.get(pk=paid.pk)
        assert payment.state == PaymentState.PARTIALLY_REFUNDED
        assert (
            ProviderEvent.objects.filter(type="refund.succeeded").get().event_id
            == f"{first.provider_ref}:SUCCESS"
        )

    rest = refund(school_a, paid, 7000)
    assert notify(platform_client, wechatpay.refund_notify(rest.reference)).status_code == 200
    with inside(school_a):
        payment = Payment.objects.get(pk=paid.pk)
        assert payment.state == PaymentState.REFUNDED
        assert payment.refunded_amount == payment.paid_amount == 10000


def test_a_refund_cannot_exceed_what_was_paid(wechatpay, school_a, paid):
    refund(school_a, paid, 6000)
    with pytest.raises(RefundExceedsPaid):
        refund(school_a, paid, 4001)
    with pytest.raises(RefundExceedsPaid):
        refund(school_a, paid, 10001)
    assert len(wechatpay.state.refunds) == 1  # the over-refunds never reached WeChat
    refund(school_a, paid, 4000)
    with inside(school_a):
        assert Payment.objects.get(pk=paid.pk).refunded_amount == 10000


def test_refund_notify_must_decrypt_with_this_schools_key(
    wechatpay, school_a, school_b, platform_client, paid
):
    pending = refund(school_a, paid, 2000)
    wrong_key = wechatpay.refund_notify(pending.reference, key=BETA.api_key)
    # A refund notify names no school: without the school in the URL it cannot be placed.
    genuine = wechatpay.refund_notify(pending.reference)
    with received(payment_refunded) as refunded:
        assert notify(platform_client, wrong_key).status_code == 400
        assert notify(platform_client, genuine, "/pay/webhooks/wechatpay/").status_code == 400
        assert notify(platform_client, genuine, "/pay/webhooks/wechatpay/beta/").status_code == 400
        tampered = genuine.replace(b"<req_info><![CDATA[", b"<req_info><![CDATA[AAAA")
        assert notify(platform_client, tampered).status_code == 400
    assert refunded == []
    with inside(school_a):
        assert Refund.objects.get(pk=pending.pk).state == Refund.State.PENDING
        assert not ProviderEvent.objects.filter(type__startswith="refund").exists()
    with inside(school_b):
        assert not ProviderEvent.objects.exists()


def test_refund_without_a_notify_is_settled_by_the_sweeps_query(wechatpay, school_a, paid):
    pending = refund(school_a, paid, 10000)
    wechatpay.settle_refund(pending.reference, "SUCCESS")  # WeChat refunded; its notify is lost
    with inside(school_a):
        Refund.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(minutes=3))
        payments_sweep.apply()
    with inside(school_a):
        assert Refund.objects.get(pk=pending.pk).state == Refund.State.SUCCEEDED
        assert Payment.objects.get(pk=paid.pk).state == PaymentState.REFUNDED
    assert wechatpay.state.received[-1][0] == "pay/refundquery"


def test_closed_refund_gives_the_amount_back_and_bank_trouble_keeps_it(wechatpay, school_a, paid):
    closed = refund(school_a, paid, 4000)
    stuck = refund(school_a, paid, 5000)
    wechatpay.settle_refund(closed.reference, "REFUNDCLOSE")
    # CHANGE: the payer's card refused the money; the merchant re-routes it by hand.
    wechatpay.settle_refund(stuck.reference, "CHANGE")
    with inside(school_a):
        assert refund_sync(refund=Refund.objects.get(pk=closed.pk)).state == Refund.State.FAILED
        assert refund_sync(refund=Refund.objects.get(pk=stuck.pk)).state == Refund.State.PENDING
        payment = Payment.objects.get(pk=paid.pk)
        assert payment.refunded_amount == 5000
        assert payment.state == PaymentState.SUCCEEDED
    with pytest.raises(RefundExceedsPaid):  # the stuck 50 yuan is still committed
        refund(school_a, paid, 5001)


def test_refund_refused_by_wechat_fails_and_releases_the_amount(wechatpay, school_a, paid):
    wechatpay.state.fail_next["secapi/pay/refund"] = ("NOTENOUGH", "基本账户余额不足，请充值后重新发起")
    with pytest.raises(ProviderFailed) as err:
        refund(school_a, paid, 3000)
    assert "余额不足" in err.value.message
    with inside(school_a):
        assert Refund.objects.get().state == Refund.State.FAILED
        assert Payment.objects.get(pk=paid.pk).refunded_amount == 0


def test_refund_without_the_api_certificate_is_refused_before_calling_wechat(wechatpay, school_a, paid):
    with inside(school_a):
        ProviderAccount.objects.filter(provider="wechatpay").update(wechat_cert_pem="", wechat_key_pem="")
    calls = len(wechatpay.state.received)
    with pytest.raises(ProviderFailed) as err:
        refund(school_a, paid, 1000)
    assert "API 证书" in err.value.message
    assert len(wechatpay.state.received) == calls
    with inside(school_a):
        assert Payment.objects.get(pk=paid.pk).refundable_amount == 10000


def test_refund_when_wechat_cannot_be_reached_stays_pending_and_is_resolved_by_query(
    wechatpay, school_a, paid, settings
):
    """A lost answer may hide an accepted refund: keep the amount reserved and ask later."""
    settings.WECHATPAY_API_BASE = "https://127.0.0.1:9/"
    pending = refund(school_a, paid, 3000)
    assert pending.state == Refund.State.PENDING
    settings.WECHATPAY_API_BASE = wechatpay.url
    with inside(school_a):
        # Asked at once: WeChat does not know it yet, which may only mean "still in flight".
        assert refund_sync(refund=pending).state == Refund.State.PENDING
        Refund.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(minutes=6))
        failed = refund_sync(refund=Refund.objects.get(pk=pending.pk))
        assert failed.state == Refund.State.FAILED
        assert Payment.objects.get(pk=paid.pk).refunded_amount == 0
