"""The H5 pay pages: who may see a payment, the sandbox walk, WeChat's browser, errors, CSRF."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from alumni.accounts.models import WeChatIdentity
from billing.payments.models import Payment, PaymentState, PaymentTransition, ProviderEvent
from tests.billing.payments.paying_support import (
    MP_APP,
    PHONE_UA,
    WECHAT_UA,
    WeChatPayStandIn,
    admin_of,
    bind_wechat,
    enable_stripe,
    enable_wechatpay,
    login,
    make_user,
    new_payment,
)
from tests.billing.payments.stripe_standin import configure_stripe, running_standin
from tests.billing.payments.support import received
from tests.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The return page's sync rate limit lives in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def wechatpay_standin():
    server = WeChatPayStandIn()
    yield server
    server.stop()


def _state(school, payment) -> str:
    with inside(school):
        return Payment.objects.get(pk=payment.pk).state


def _options(response) -> list[str]:
    return re.findall(r'data-provider="(\w+)"', response.content.decode())


# --- who may see a payment -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "return/", "sandbox/"])
def test_payer_and_school_admin_see_the_payment_others_get_404(client_a, school_a, path):
    payer = make_user(school_a, "13900000201")
    other = make_user(school_a, "13900000202")
    payment = new_payment(school_a, payer=payer)
    url = f"/pay/{payment.reference}/{path}"

    assert client_a.get(url).status_code == 404  # anonymous
    login(client_a, school_a, other)
    assert client_a.get(url).status_code == 404
    login(client_a, school_a, admin_of(school_a))
    assert client_a.get(url).status_code == 200
    login(client_a, school_a, payer)
    page = client_a.get(url)
    assert page.status_code == 200
    assert "校庆晚宴门票" in page.content.decode()
    assert "¥12.00" in page.content.decode()


def test_a_payment_without_payer_is_open_to_whoever_has_the_reference(client_a, school_a):
    payment = new_payment(school_a, payer=None, amount=123456)
    page = client_a.get(f"/pay/{payment.reference}/")
    assert page.status_code == 200
    assert "¥1,234.56" in page.content.decode()
    assert "待支付" in page.content.decode() or "已创建" in page.content.decode()
    assert client_a.get("/pay/P20990101AAAAAAAAAAAA/").status_code == 404


def test_another_school_cannot_see_the_payment(client_a, client_b, school_a):
    payment = new_payment(school_a, payer=None)
    for path in ("", "return/", "sandbox/"):
        assert client_b.get(f"/pay/{payment.reference}/{path}").status_code == 404
    assert client_b.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"}).status_code == 404
    assert client_b.post(f"/pay/{payment.reference}/sandbox/", {"outcome": "succeeded"}).status_code == 404
    assert _state(school_a, payment) == PaymentState.CREATED


def test_another_alumnus_cannot_start_or_settle_someone_elses_payment(client_a, school_a):
    payer = make_user(school_a, "13900000203")
    payment = new_payment(school_a, payer=payer)
    login(client_a, school_a, make_user(school_a, "13900000204"))
    assert client_a.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"}).status_code == 404
    assert client_a.post(f"/pay/{payment.reference}/sandbox/", {"outcome": "succeeded"}).status_code == 404
    assert _state(school_a, payment) == PaymentState.CREATED


# --- the sandbox walk -------------------------------------------------------------------------


def test_sandbox_walk_pays_once_and_sends_the_payer_back_to_the_selling_app(client_a, school_a):
    payer = make_user(school_a, "13900000205")
    payment = new_payment(school_a, payer=payer, return_url="/events/orders/42/")
    login(client_a, school_a, payer)

    page = client_a.get(f"/pay/{payment.reference}/")
    assert "沙箱演示 · 不会扣款" in page.content.decode()
    assert _options(page) == ["sandbox"]

    started = client_a.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"})
    assert started.status_code == 302 and started["Location"] == f"/pay/{payment.reference}/sandbox/"
    assert _state(school_a, payment) == PaymentState.PENDING

    sandbox = client_a.get(started["Location"]).content.decode()
    assert "模拟支付成功" in sandbox and "模拟支付失败" in sandbox and "沙箱演示 · 不会扣款" in sandbox

    with received() as credited:
        settled = client_a.post(f"/pay/{payment.reference}/sandbox/", {"outcome": "succeeded"})
        assert settled.status_code == 302 and settled["Location"] == f"/pay/{payment.reference}/return/"
        # A second press (double tap, back button) credits nothing more.
        client_a.post(f"/pay/{payment.reference}/sandbox/", {"outcome": "succeeded"})
    assert credited == [(payment.reference, "alpha")]

    result = client_a.get(settled["Location"]).content.decode()
    assert 'data-outcome="paid"' in result and "支付成功" in result
    assert 'content="3;url=/events/orders/42/"' in result  # the selling app's page, not the pay page
    with inside(school_a):
        payment.refresh_from_db()
        assert payment.state == PaymentState.SUCCEEDED and payment.return_url == "/events/orders/42/"
        assert list(payment.transitions.values_list("to_state", flat=True)) == ["pending", "succeeded"]

    # Paid: the pay page offers no way to pay again.
    again = client_a.get(f"/pay/{payment.reference}/").content.decode()
    assert "该订单已支付" in again and "data-provider" not in again
    assert client_a.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"}).status_code == 409


def test_sandbox_failure_shows_the_failure_and_lets_the_payer_try_again(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    client_a.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"})
    with received() as credited:
        client_a.post(f"/pay/{payment.reference}/sandbox/", {"outcome": "failed"})
    assert credited == []
    result = client_a.get(f"/pay/{payment.reference}/return/").content.decode()
    assert "支付失败" in result and "沙箱模拟支付失败" in result and "重新支付" in result
    assert _state(school_a, payment) == PaymentState.FAILED

    # Trying again works: start, then pay.
    assert client_a.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"}).status_code == 302
    with received() as credited:
        client_a.post(f"/pay/{payment.reference}/sandbox/", {"outcome": "succeeded"})
    assert credited == [(payment.reference, "alpha")]
    assert _state(school_a, payment) == PaymentState.SUCCEEDED


def test_sandbox_page_refuses_a_payment_that_was_not_started_with_the_sandbox(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    page = client_a.get(f"/pay/{payment.reference}/sandbox/").content.decode()
    assert "模拟支付成功" not in page
    refused = client_a.post(f"/pay/{payment.reference}/sandbox/", {"outcome": "succeeded"})
    assert refused.status_code == 409 and "只有沙箱支付单可以模拟支付" in refused.content.decode()
    assert _state(school_a, payment) == PaymentState.CREATED


def test_posts_need_the_csrf_token(school_a):
    payment = new_payment(school_a, payer=None)
    strict = Client(HTTP_HOST="alpha.localhost", enforce_csrf_checks=True)
    assert strict.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"}).status_code == 403
    strict.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"})
    assert _state(school_a, payment) == PaymentState.CREATED
    page = strict.get(f"/pay/{payment.reference}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    started = strict.post(
        f"/pay/{payment.reference}/start/", {"provider": "sandbox", "csrfmiddlewaretoken": token}
    )
    assert started.status_code == 302


# --- the return page while pending ------------------------------------------------------------


def test_return_page_asks_the_provider_at_most_every_few_seconds_and_refreshes(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    client_a.post(f"/pay/{payment.reference}/start/", {"provider": "sandbox"})
    first = client_a.get(f"/pay/{payment.reference}/return/").content.decode()
    assert 'data-outcome="pending"' in first and '<meta http-equiv="refresh" content="3">' in first
    with inside(school_a):
        checked = Payment.objects.get(pk=payment.pk).last_checked_at
    assert checked is not None
    client_a.get(f"/pay/{payment.reference}/return/")
    with inside(school_a):
        assert Payment.objects.get(pk=payment.pk).last_checked_at == checked
    cache.clear()  # the interval has passed
    client_a.get(f"/pay/{payment.reference}/return/")
    with inside(school_a):
        assert Payment.objects.get(pk=payment.pk).last_checked_at > checked


# --- ways to pay, in and out of WeChat ---------------------------------------------------------


def test_inside_wechat_wechat_pay_comes_first_outside_stripe(client_a, school_a):
    enable_wechatpay(school_a)
    enable_stripe(school_a)
    payment = new_payment(school_a, payer=None)

    in_wechat = client_a.get(f"/pay/{payment.reference}/", HTTP_USER_AGENT=WECHAT_UA)
    assert _options(in_wechat) == ["wechatpay", "stripe", "sandbox"]

    outside = client_a.get(f"/pay/{payment.reference}/", HTTP_USER_AGENT=PHONE_UA)
    assert _options(outside) == ["stripe", "sandbox", "wechatpay"]
    html = outside.content.decode()
    assert "请在微信中打开本页使用微信支付" in html
    assert re.search(r'value="wechatpay" disabled', html)


def test_wechat_browser_starts_jsapi_with_the_payers_official_account_openid(
    client_a, school_a, settings, wechatpay_standin
):
    settings.WECHATPAY_API_BASE = wechatpay_standin.url
    enable_wechatpay(school_a)
    payer = make_user(school_a, "13900000206")
    bind_wechat(school_a, payer, kind=WeChatIdentity.Kind.OFFICIAL, app_id=MP_APP, openid="o-mp-206")
    payment = new_payment(school_a, payer=payer, amount=8800)
    login(client_a, school_a, payer)

    page = client_a.post(
        f"/pay/{payment.reference}/start/", {"provider": "wechatpay"}, HTTP_USER_AGENT=WECHAT_UA
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'WeixinJSBridge.invoke("getBrandWCPayRequest"' in html
    assert f"prepay_id=wx_prepay_{payment.reference}" in html
    assert f"/pay/{payment.reference}/return/" in html
    [order] = [o for o in wechatpay_standin.orders if o.get("out_trade_no") == payment.reference]
    assert order["openid"] == "o-mp-206" and order["appid"] == MP_APP and order["total_fee"] == "8800"
    assert order["notify_url"] == "http://localhost:8000/pay/webhooks/wechatpay/"
    assert order["attach"] == "alpha"
    assert _state(school_a, payment) == PaymentState.PENDING


def test_outside_wechat_stripe_sends_the_payer_to_checkout_and_back_to_the_return_page(client_a, school_a):
    payer = make_user(school_a, "13900000208")
    payment = new_payment(school_a, payer=payer, amount=12800, return_url="/events/orders/7/")
    login(client_a, school_a, payer)
    with running_standin() as stripe:
        configure_stripe(school_a)
        started = client_a.post(
            f"/pay/{payment.reference}/start/", {"provider": "stripe"}, HTTP_USER_AGENT=PHONE_UA
        )
        assert started.status_code == 302
        session = stripe.session_for(payment.reference)
    assert started["Location"] == session["url"] and session["url"].startswith("https://checkout.stripe.com/")
    [call] = stripe.calls("POST", "/v1/checkout/sessions")
    assert call.params["success_url"] == f"http://alpha.localhost/pay/{payment.reference}/return/"
    assert call.params["line_items[0][price_data][unit_amount]"] == "12800"
    with inside(school_a):
        payment.refresh_from_db()
        assert payment.state == PaymentState.PENDING and payment.provider == "stripe"
        assert payment.return_url == "/events/orders/7/"  # the selling app's page is kept


def test_wechat_pay_without_a_bound_wechat_asks_to_sign_in_and_loses_nothing(client_a, school_a):
    enable_wechatpay(school_a)
    payer = make_user(school_a, "13900000207")
    payment = new_payment(school_a, payer=payer)
    login(client_a, school_a, payer)
    page = client_a.post(
        f"/pay/{payment.reference}/start/", {"provider": "wechatpay"}, HTTP_USER_AGENT=WECHAT_UA
    )
    html = page.content.decode()
    assert page.status_code == 409
    assert "请先用微信登录" in html
    assert f"/accounts/wechat/login/?next=%2Fpay%2F{payment.reference}%2F" in html
    assert _options(page)[0] == "wechatpay"  # the choices are still there
    assert _state(school_a, payment) == PaymentState.CREATED


def test_a_provider_the_school_has_not_enabled_gives_a_clear_message(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    page = client_a.post(f"/pay/{payment.reference}/start/", {"provider": "stripe"})
    assert page.status_code == 409
    assert "学校尚未开通该支付方式" in page.content.decode()
    assert _options(page) == ["sandbox"]
    assert _state(school_a, payment) == PaymentState.CREATED
    with inside(school_a):
        assert not PaymentTransition.objects.filter(payment_id=payment.pk).exists()


def test_page_in_english(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    client_a.cookies["django_language"] = "en"
    html = client_a.get(f"/pay/{payment.reference}/").content.decode()
    assert "Sandbox demo · no money is taken" in html
    assert "Choose how to pay" in html


# --- a double tap on 模拟支付成功, and two start presses, at the same moment -------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_presses_on_the_sandbox_page_credit_once(school_a):
    try:
        payment = new_payment(school_a, payer=None, amount=6600)
        host = {"HTTP_HOST": "alpha.localhost"}
        barrier = threading.Barrier(10)
        statuses: list = []

        def press(path, data):
            try:
                barrier.wait(timeout=20)
                statuses.append(Client(**host).post(path, data).status_code)
            except Exception as exc:  # reported through the status assertion below
                statuses.append(exc)
            finally:
                connection.close()

        def at_once(path, data):
            statuses.clear()
            threads = [threading.Thread(target=press, args=(path, data)) for _ in range(10)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            return sorted(statuses, key=str)

        assert at_once(f"/pay/{payment.reference}/start/", {"provider": "sandbox"}) == [302] * 10
        with received() as credited:
            assert at_once(f"/pay/{payment.reference}/sandbox/", {"outcome": "succeeded"}) == [302] * 10
        assert credited == [(payment.reference, "alpha")]
        with inside(school_a):
            transitions = list(
                PaymentTransition.objects.filter(payment_id=payment.pk).values_list("to_state", flat=True)
            )
            assert transitions == ["pending", "succeeded"]
            assert Payment.objects.get(pk=payment.pk).paid_amount == 6600
    finally:
        with inside(school_a):
            ProviderEvent.objects.all().delete()
            PaymentTransition.objects.all().delete()
            Payment.objects.all().delete()
