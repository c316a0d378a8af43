"""WeChat Pay orders through a local stand-in for api.mch.weixin.qq.com (tests/…/wechatpay_standin.py).

Start (JSAPI in the official account and in the mini-program), the order query when a notify never
comes, closing expired orders, and what the payer/admin sees when WeChat cannot be reached.
"""

from __future__ import annotations

import hashlib
import socket
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.errors import BillingError, ProviderFailed, ProviderUnavailable
from billing.payments.models import Payment, PaymentState, ProviderAccount, ProviderEvent
from billing.payments.providers.base import PayerContext
from billing.payments.providers.wechatpay import webhook_url
from billing.payments.secrets import seal
from billing.payments.services import payment_create, payment_start, payment_sync
from billing.payments.tasks import payments_sweep
from tests.billing.payments.support import received
from tests.billing.payments.wechatpay_standin import ALPHA, BETA, wechatpay, wechatpay_pki, wechatpay_server
from tests.conftest import inside

pytestmark = pytest.mark.django_db
FIXTURES = (wechatpay, wechatpay_pki, wechatpay_server)  # the stand-in and both schools' merchants
WEBHOOK = "/pay/webhooks/wechatpay/"


def new_payment(amount: int = 8800, **kwargs) -> Payment:
    return payment_create(
        purpose="tests.order",
        purpose_id=uuid.uuid4().hex[:8],
        subject="校庆晚宴门票",
        amount=amount,
        idempotency_key=uuid.uuid4().hex,
        **kwargs,
    )


def start(payment: Payment, *, channel: str = "jsapi", openid: str = "o-alumnus-1") -> Payment:
    payer = PayerContext(channel=channel, openid=openid, client_ip="10.1.2.3", notify_url=webhook_url())
    return payment_start(payment=payment, provider="wechatpay", payer=payer)


def js_sign(params: dict, key: str) -> str:
    """The paySign a WeChat client recomputes (documented MD5 over the five signed keys)."""
    text = "&".join(f"{k}={params[k]}" for k in sorted(params)) + f"&key={key}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def make_stale(payment: Payment, *, minutes: int = 3, expired: bool = False) -> None:
    now = timezone.now()
    Payment.objects.filter(pk=payment.pk).update(
        created_at=now - timedelta(minutes=minutes),
        expires_at=now - timedelta(seconds=1) if expired else now + timedelta(minutes=20),
    )


def test_jsapi_start_places_the_order_and_returns_params_the_client_can_verify(wechatpay, school_a):
    with inside(school_a):
        payment = start(new_payment())
    assert payment.state == PaymentState.PENDING
    endpoint, sent = wechatpay.state.received[-1]
    assert endpoint == "pay/unifiedorder"
    assert sent["appid"] == ALPHA.app_id and sent["mch_id"] == ALPHA.mch_id
    assert sent["trade_type"] == "JSAPI" and sent["openid"] == "o-alumnus-1"
    assert sent["out_trade_no"] == payment.reference and sent["total_fee"] == "8800"
    assert sent["attach"] == "alpha"  # the platform webhook routes on it
    assert sent["notify_url"] == webhook_url()
    assert webhook_url().endswith("/pay/webhooks/wechatpay/")
    assert sent["spbill_create_ip"] == "10.1.2.3"
    expire = timezone.localtime(payment.expires_at, timezone.get_fixed_timezone(480))
    assert sent["time_expire"] == expire.strftime("%Y%m%d%H%M%S")

    assert payment.action["type"] == "jsapi"
    params = dict(payment.action["params"])
    assert params["appId"] == ALPHA.app_id
    assert params["package"] == f"prepay_id={payment.provider_ref}"
    assert payment.provider_ref == wechatpay.order(ALPHA.mch_id, payment.reference)["prepay_id"]
    pay_sign = params.pop("paySign")
    assert pay_sign == js_sign(params, ALPHA.api_key)
    assert pay_sign != js_sign(params, BETA.api_key)


def test_mini_program_payment_uses_the_mini_app_id_and_wx_request_payment_keys(wechatpay, school_a):
    with inside(school_a):
        payment = start(new_payment(), channel="mini", openid="o-mini-7")
    assert wechatpay.state.received[-1][1]["appid"] == ALPHA.mini_app_id
    params = payment.action["params"]
    assert payment.action["type"] == "mini"
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    signed = {k: params[k] for k in ("timeStamp", "nonceStr", "package", "signType")}
    assert params["paySign"] == js_sign({**signed, "appId": ALPHA.mini_app_id}, ALPHA.api_key)


def test_starting_twice_returns_the_same_prepay_id(wechatpay, school_a):
    with inside(school_a):
        payment = new_payment()
        first = start(payment)
        again = start(Payment.objects.get(pk=payment.pk))
    assert again.provider_ref == first.provider_ref
    assert len(wechatpay.state.orders) == 1


def test_payer_without_openid_or_school_without_mini_program_gets_a_clear_error(
    wechatpay, school_a, school_b
):
    with inside(school_a):
        payment = new_payment()
        with pytest.raises(BillingError) as err:
            start(payment, openid="")
        assert err.value.code == "openid_required"
        assert Payment.objects.get(pk=payment.pk).state == PaymentState.CREATED
    with inside(school_b):
        with pytest.raises(ProviderUnavailable) as err:
            start(new_payment(), channel="mini")
        assert "小程序" in err.value.message
    assert wechatpay.state.received == []  # nothing reached WeChat


def test_order_query_credits_a_payment_whose_notify_never_came_once(wechatpay, school_a, platform_client):
    with inside(school_a):
        payment = start(new_payment())
        make_stale(payment)
    order = wechatpay.pay(ALPHA.mch_id, payment.reference)  # paid, but the notify is lost
    with received() as credited:
        with inside(school_a):
            payments_sweep.apply()
        with inside(school_a):
            payment.refresh_from_db()
            assert payment.state == PaymentState.SUCCEEDED
            assert payment.provider_ref == order["transaction_id"]
            assert payment.paid_amount == 8800
            # The notify finally arrives: acknowledged, not credited again.
            body = wechatpay.payment_notify(ALPHA.mch_id, payment.reference)
        response = platform_client.post(WEBHOOK, data=body, content_type="text/xml")
    assert response.status_code == 200 and b"<return_code><![CDATA[SUCCESS]]>" in response.content
    assert credited == [(payment.reference, "alpha")]
    with inside(school_a):
        assert ProviderEvent.objects.get().outcome == "already_paid"
        assert payment.transitions.filter(to_state=PaymentState.SUCCEEDED).get().source == "query:wechatpay"


def test_query_of_an_unpaid_order_leaves_it_pending(wechatpay, school_a):
    with inside(school_a):
        payment = payment_sync(payment=start(new_payment()))
    assert payment.state == PaymentState.PENDING
    assert payment.last_checked_at is not None
    assert [e for e, _ in wechatpay.state.received] == ["pay/unifiedorder", "pay/orderquery"]


def test_expired_order_is_closed_at_wechat_so_it_can_no_longer_be_paid(wechatpay, school_a):
    with inside(school_a):
        payment = start(new_payment())
        make_stale(payment, minutes=40, expired=True)
        payments_sweep.apply()
    with inside(school_a):
        payment.refresh_from_db()
        assert payment.state == PaymentState.CANCELLED
        assert payment.failure_reason == "支付超时，订单已关闭"
    assert wechatpay.order(ALPHA.mch_id, payment.reference)["trade_state"] == "CLOSED"
    with pytest.raises(RuntimeError):
        wechatpay.pay(ALPHA.mch_id, payment.reference)


def test_expired_order_that_was_paid_after_all_is_credited_not_cancelled(wechatpay, school_a):
    with inside(school_a):
        payment = start(new_payment())
        make_stale(payment, minutes=40, expired=True)
    wechatpay.pay(ALPHA.mch_id, payment.reference)
    with received() as credited, inside(school_a):
        payments_sweep.apply()
    with inside(school_a):
        payment.refresh_from_db()
        assert payment.state == PaymentState.SUCCEEDED
    assert credited == [(payment.reference, "alpha")]
    assert "pay/closeorder" not in [e for e, _ in wechatpay.state.received]


def test_wechat_unreachable_or_refusing_is_reported_and_changes_nothing(wechatpay, school_a, settings):
    with inside(school_a):
        payment = start(new_payment())
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.WECHATPAY_API_BASE = f"https://127.0.0.1:{port}/"
    with inside(school_a):
        with pytest.raises(ProviderFailed) as err:
            start(new_payment())
        assert "无法连接微信支付" in err.value.message
        assert payment_sync(payment=payment).state == PaymentState.PENDING
    settings.WECHATPAY_API_BASE = wechatpay.url
    wechatpay.state.fail_next["pay/unifiedorder"] = ("SYSTEMERROR", "系统超时")
    with inside(school_a):
        with pytest.raises(ProviderFailed) as err:
            start(new_payment())
        assert "系统超时" in err.value.message


def test_answers_not_signed_with_the_schools_key_are_not_believed(wechatpay, school_a):
    """A forged 'SUCCESS' from something posing as WeChat's API does not credit the payment."""
    with inside(school_a):
        payment = start(new_payment())
    wechatpay.pay(ALPHA.mch_id, payment.reference)
    wechatpay.state.answer_key = BETA.api_key
    with inside(school_a):
        assert payment_sync(payment=payment).state == PaymentState.PENDING
    assert wechatpay.state.received[-1][0] == "pay/orderquery"  # asked, answered, not believed
    wechatpay.state.answer_key = None
    with inside(school_a):
        assert payment_sync(payment=payment).state == PaymentState.SUCCEEDED


def test_a_mistyped_api_key_is_refused_by_wechat_and_the_payment_stays_unstarted(wechatpay, school_a):
    """WeChat checks every request's sign: a wrong key in the back office shows up at once."""
    with inside(school_a):
        ProviderAccount.objects.filter(provider="wechatpay").update(wechat_api_key=seal("x" * 32))
        payment = new_payment()
        with pytest.raises(ProviderFailed) as err:
            start(payment)
        assert "签名错误" in err.value.message
        assert Payment.objects.get(pk=payment.pk).state == PaymentState.CREATED
    assert wechatpay.state.rejected == [("pay/unifiedorder", "签名错误")]
    assert wechatpay.state.orders == {}
