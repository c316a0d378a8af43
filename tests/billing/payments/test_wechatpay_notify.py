"""WeChat Pay payment notifies on the platform webhook, signed with wechatpy's own signing.

Orders are placed through the local stand-in for api.mch.weixin.qq.com (wechatpay_standin.py);
the notifies are what WeChat would POST to the notify URL we gave it.
"""

from __future__ import annotations

import uuid

import pytest

from billing.payments.models import Payment, PaymentState, ProviderEvent
from billing.payments.providers.base import PayerContext
from billing.payments.providers.wechatpay import webhook_url
from billing.payments.services import payment_create, payment_start
from tests.billing.payments.support import received
from tests.billing.payments.wechatpay_standin import ALPHA, BETA, wechatpay, wechatpay_pki, wechatpay_server
from tests.conftest import inside

pytestmark = pytest.mark.django_db
FIXTURES = (wechatpay, wechatpay_pki, wechatpay_server)
WEBHOOK = "/pay/webhooks/wechatpay/"
SUCCESS = b"<return_code><![CDATA[SUCCESS]]></return_code>"
FAIL = b"<return_code><![CDATA[FAIL]]></return_code>"


def paid_order(standin, school, *, amount: int = 5000, channel: str = "jsapi") -> Payment:
    """A payment started through the stand-in and paid by the payer (the notify not yet sent)."""
    with inside(school):
        payment = payment_create(
            purpose="tests.donation",
            purpose_id=uuid.uuid4().hex[:8],
            subject="母校图书馆捐赠",
            amount=amount,
            idempotency_key=uuid.uuid4().hex,
        )
        payer = PayerContext(channel=channel, openid="o-donor-1", notify_url=webhook_url())
        payment = payment_start(payment=payment, provider="wechatpay", payer=payer)
    merchant = ALPHA if school.schema_name == "alpha" else BETA
    standin.pay(merchant.mch_id, payment.reference)
    return payment


def post(client, body: bytes, url: str = WEBHOOK):
    return client.post(url, data=body, content_type="text/xml")


def state_of(school, payment) -> Payment:
    with inside(school):
        return Payment.objects.get(pk=payment.pk)


def test_good_notify_credits_once_and_a_duplicate_is_acknowledged(wechatpay, school_a, platform_client):
    payment = paid_order(wechatpay, school_a)
    body = wechatpay.payment_notify(ALPHA.mch_id, payment.reference)
    with received() as credited:
        first = post(platform_client, body)
        again = post(platform_client, body)  # WeChat retries until it sees SUCCESS
    assert first.status_code == 200 and SUCCESS in first.content
    assert again.status_code == 200 and SUCCESS in again.content
    assert first["Content-Type"].startswith("text/xml")
    assert credited == [(payment.reference, "alpha")]
    paid = state_of(school_a, payment)
    assert paid.state == PaymentState.SUCCEEDED and paid.paid_amount == 5000
    assert paid.provider_ref == wechatpay.order(ALPHA.mch_id, payment.reference)["transaction_id"]
    with inside(school_a):
        event = ProviderEvent.objects.get()
        assert event.event_id == f"{paid.provider_ref}:SUCCESS"
        assert event.outcome == "credited" and event.payment_id == payment.pk
        assert "sign" not in event.payload


def test_hmac_sha256_signed_notify_from_the_mini_program_is_accepted(wechatpay, school_a, platform_client):
    payment = paid_order(wechatpay, school_a, channel="mini")
    body = wechatpay.payment_notify(ALPHA.mch_id, payment.reference, sign_with="HMAC-SHA256")
    assert b"<appid><![CDATA[" + ALPHA.mini_app_id.encode() in body
    response = post(platform_client, body)
    assert response.status_code == 200 and SUCCESS in response.content
    assert state_of(school_a, payment).state == PaymentState.SUCCEEDED


@pytest.mark.parametrize(
    "tamper",
    [
        {"total_fee": "1"},
        {"cash_fee": "1"},
        {"out_trade_no": "P20260101AAAAAAAAAAAA"},
        {"transaction_id": "4200000000000000000000000001"},
        {"result_code": "FAIL"},
        {"sign_type": "HMAC-SHA256"},
    ],
    ids=lambda t: next(iter(t)),
)
def test_tampered_notify_gets_fail_and_changes_nothing(wechatpay, school_a, platform_client, tamper):
    payment = paid_order(wechatpay, school_a)
    body = wechatpay.payment_notify(ALPHA.mch_id, payment.reference, **tamper)
    with received() as credited:
        response = post(platform_client, body)
    assert response.status_code == 400 and FAIL in response.content
    assert credited == []
    assert state_of(school_a, payment).state == PaymentState.PENDING
    with inside(school_a):
        assert not ProviderEvent.objects.exists()


def test_notify_signed_with_another_schools_key_is_rejected(wechatpay, school_a, school_b, platform_client):
    """Beta's API key cannot move alpha's money, whatever the notify claims."""
    payment = paid_order(wechatpay, school_a)
    forged = wechatpay.payment_notify(ALPHA.mch_id, payment.reference, sign_key=BETA.api_key)
    assert b"<attach><![CDATA[alpha]]></attach>" in forged
    # Beta's own merchant and app, beta's key, but claiming alpha's order.
    fields = {
        "return_code": "SUCCESS",
        "result_code": "SUCCESS",
        "appid": BETA.app_id,
        "mch_id": BETA.mch_id,
        "nonce_str": uuid.uuid4().hex,
        "total_fee": "5000",
        "fee_type": "CNY",
        "transaction_id": "4200000000000000000000000099",
        "out_trade_no": payment.reference,
        "attach": "alpha",
    }
    beta_signed = wechatpay.signed_notify(fields, BETA.api_key)
    # Alpha's key but beta's merchant id: a notify for another merchant is not ours either.
    wrong_merchant = wechatpay.signed_notify({**fields, "appid": ALPHA.app_id}, ALPHA.api_key)
    with received() as credited:
        for body in (forged, beta_signed, wrong_merchant):
            response = post(platform_client, body)
            assert response.status_code == 400 and FAIL in response.content
        # On beta's own URL the school in the URL and the claimed school disagree.
        good = wechatpay.payment_notify(ALPHA.mch_id, payment.reference)
        assert post(platform_client, good, f"{WEBHOOK}beta/").status_code == 400
    assert credited == []
    assert state_of(school_a, payment).state == PaymentState.PENDING


def test_notify_routed_to_a_school_whose_key_it_does_not_verify_with(
    wechatpay, school_a, school_b, platform_client
):
    """attach is only a claim: alpha's genuine notify relabelled 'beta' fails beta's check."""
    payment = paid_order(wechatpay, school_a)
    relabelled = wechatpay.payment_notify(ALPHA.mch_id, payment.reference, attach="beta")
    assert post(platform_client, relabelled).status_code == 400
    with inside(school_b):
        assert not ProviderEvent.objects.exists()
    assert state_of(school_a, payment).state == PaymentState.PENDING


def test_signed_notify_with_a_different_amount_is_recorded_but_not_credited(
    wechatpay, school_a, platform_client
):
    """Genuinely signed but for 1 fen instead of 50 yuan: the order is not marked paid."""
    payment = paid_order(wechatpay, school_a)
    order = wechatpay.order(ALPHA.mch_id, payment.reference)
    order["request"]["total_fee"] = "1"
    body = wechatpay.payment_notify(ALPHA.mch_id, payment.reference)
    with received() as credited:
        assert post(platform_client, body).status_code == 200
    assert credited == []
    after = state_of(school_a, payment)
    assert after.state == PaymentState.PENDING
    assert "渠道金额不符" in after.failure_reason


def test_failed_result_notify_marks_the_payment_failed(wechatpay, school_a, platform_client):
    payment = paid_order(wechatpay, school_a)
    fields = {
        "return_code": "SUCCESS",
        "result_code": "FAIL",
        "err_code": "BANKERROR",
        "err_code_des": "银行系统异常",
        "appid": ALPHA.app_id,
        "mch_id": ALPHA.mch_id,
        "nonce_str": uuid.uuid4().hex,
        "out_trade_no": payment.reference,
        "attach": "alpha",
    }
    response = post(platform_client, wechatpay.signed_notify(fields, ALPHA.api_key))
    assert response.status_code == 200 and SUCCESS in response.content
    failed = state_of(school_a, payment)
    assert failed.state == PaymentState.FAILED and failed.failure_reason == "银行系统异常"
    # The success that follows (the payer retried in WeChat) still credits.
    with received() as credited:
        assert (
            post(platform_client, wechatpay.payment_notify(ALPHA.mch_id, payment.reference)).status_code
            == 200
        )
    assert credited == [(payment.reference, "alpha")]


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"<xml><return_code>FAIL</return_code><return_msg>error</return_msg></xml>",
        b"<xml><return_code>SUCCESS</return_code><attach>alpha</attach></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "alpha">]><xml><attach>&a;</attach></xml>',
    ],
    ids=["garbage", "return-fail", "unsigned", "entities"],
)
def test_unverifiable_deliveries_get_fail(wechatpay, school_a, platform_client, body):
    response = post(platform_client, body)
    assert response.status_code == 400 and FAIL in response.content
    with inside(school_a):
        assert not ProviderEvent.objects.exists()
