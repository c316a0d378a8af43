"""The payments API for the mini-program: see, start (wx.requestPayment params), sync; who may."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from alumni.accounts.models import WeChatIdentity
from billing.payments.models import Payment, PaymentState
from billing.payments.services import sandbox_settle
from tests.billing.payments.paying_support import (
    MINI_APP,
    WeChatPayStandIn,
    admin_of,
    bind_wechat,
    enable_wechatpay,
    make_user,
    new_payment,
)
from tests.billing.payments.support import received
from tests.conftest import inside

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def wechatpay_standin():
    server = WeChatPayStandIn()
    yield server
    server.stop()


def bearer(school, user) -> dict:
    with inside(school):
        token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}


def get(client, payment, auth=None, **extra):
    return client.get(f"/api/v1/payments/{payment.reference}/", **(auth or {}), **extra)


def post(client, payment, action, data=None, auth=None, **extra):
    url = f"/api/v1/payments/{payment.reference}/{action}/"
    return client.post(url, data or {}, content_type=JSON, **(auth or {}), **extra)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and isinstance(body["detail"], str) and body["detail"]


def _state(school, payment) -> str:
    with inside(school):
        return Payment.objects.get(pk=payment.pk).state


def test_each_role_on_each_endpoint(client_a, school_a):
    payer = make_user(school_a, "13900000301")
    other = make_user(school_a, "13900000302")
    payment = new_payment(school_a, payer=payer, amount=1200)
    start = {"provider": "sandbox", "channel": "sandbox"}

    for auth in (None, bearer(school_a, other)):  # anonymous, another alumnus
        assert_error(get(client_a, payment, auth), 404, "payment_not_found")
        assert_error(post(client_a, payment, "start", start, auth), 404, "payment_not_found")
        assert_error(post(client_a, payment, "sync", auth=auth), 404, "payment_not_found")
    assert _state(school_a, payment) == PaymentState.CREATED

    admin = bearer(school_a, admin_of(school_a))
    assert get(client_a, payment, admin).status_code == 200
    assert post(client_a, payment, "sync", auth=admin).status_code == 200

    mine = bearer(school_a, payer)
    body = get(client_a, payment, mine).json()
    assert body["reference"] == payment.reference
    assert (body["amount"], body["currency"], body["amount_display"]) == (1200, "CNY", "¥12.00")
    assert (body["state"], body["subject"], body["paid"]) == ("created", "校庆晚宴门票", False)
    assert body["providers"] == [
        {"code": "sandbox", "label": "沙箱（演示，不扣款）", "channels": ["sandbox"]}
    ]
    started = post(client_a, payment, "start", start, mine)
    assert started.status_code == 200
    assert started.json()["action"] == {
        "type": "sandbox",
        "url": f"http://alpha.localhost/pay/{payment.reference}/sandbox/",
    }
    assert started.json()["payment"]["state"] == "pending"


def test_a_payment_without_payer_is_open_to_whoever_has_the_reference(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    assert get(client_a, payment).status_code == 200
    assert post(client_a, payment, "start", {"provider": "sandbox", "channel": "sandbox"}).status_code == 200
    assert post(client_a, payment, "sync").json()["state"] == "pending"


def test_another_school_never_sees_the_payment(client_a, client_b, school_a, platform_client):
    payment = new_payment(school_a, payer=None)
    assert_error(get(client_b, payment), 404, "payment_not_found")
    assert_error(
        post(client_b, payment, "start", {"provider": "sandbox", "channel": "sandbox"}),
        404,
        "payment_not_found",
    )
    assert_error(post(client_b, payment, "sync"), 404, "payment_not_found")
    # The mini-program calls the platform host and names the school in X-School.
    assert_error(get(platform_client, payment, HTTP_X_SCHOOL="beta"), 404, "payment_not_found")
    assert get(platform_client, payment, HTTP_X_SCHOOL="alpha").json()["reference"] == payment.reference
    assert _state(school_a, payment) == PaymentState.CREATED


def test_sync_reports_the_state_after_paying(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    post(client_a, payment, "start", {"provider": "sandbox", "channel": "sandbox"})
    assert post(client_a, payment, "sync").json()["state"] == "pending"
    with inside(school_a), received() as credited:
        sandbox_settle(payment=Payment.objects.get(pk=payment.pk), outcome="succeeded")
    assert credited == [(payment.reference, "alpha")]
    body = post(client_a, payment, "sync").json()
    assert body["state"] == "succeeded" and body["paid"] is True
    assert body["providers"] == []  # nothing left to pay
    assert_error(
        post(client_a, payment, "start", {"provider": "sandbox", "channel": "sandbox"}), 409, "payment_state"
    )


def test_mini_program_start_returns_wx_request_payment_params(
    client_a, school_a, settings, wechatpay_standin
):
    settings.WECHATPAY_API_BASE = wechatpay_standin.url
    enable_wechatpay(school_a)
    payer = make_user(school_a, "13900000303")
    bind_wechat(school_a, payer, kind=WeChatIdentity.Kind.MINIPROGRAM, app_id=MINI_APP, openid="o-mini-303")
    payment = new_payment(school_a, payer=payer, amount=9900)
    auth = bearer(school_a, payer)

    offered = get(client_a, payment, auth).json()["providers"]
    assert [p["code"] for p in offered] == ["wechatpay", "sandbox"]
    assert "mini" in offered[0]["channels"]

    response = post(client_a, payment, "start", {"provider": "wechatpay", "channel": "mini"}, auth)
    assert response.status_code == 200, response.content
    action = response.json()["action"]
    assert action["type"] == "mini"
    assert set(action["params"]) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert action["params"]["package"] == f"prepay_id=wx_prepay_{payment.reference}"
    [order] = [o for o in wechatpay_standin.orders if o.get("out_trade_no") == payment.reference]
    assert (order["openid"], order["appid"], order["total_fee"]) == ("o-mini-303", MINI_APP, "9900")
    assert _state(school_a, payment) == PaymentState.PENDING


def test_mini_program_start_without_a_mini_program_login_is_refused(client_a, school_a):
    enable_wechatpay(school_a)
    payer = make_user(school_a, "13900000304")
    # Bound through the official account only: its openid is no good inside the mini-program.
    bind_wechat(
        school_a, payer, kind=WeChatIdentity.Kind.OFFICIAL, app_id="wx_mp_alpha_0001", openid="o-mp-304"
    )
    payment = new_payment(school_a, payer=payer)
    response = post(
        client_a, payment, "start", {"provider": "wechatpay", "channel": "mini"}, bearer(school_a, payer)
    )
    assert_error(response, 409, "openid_required")
    assert _state(school_a, payment) == PaymentState.CREATED


def test_bad_or_unavailable_providers_give_stable_codes(client_a, school_a):
    payment = new_payment(school_a, payer=None)
    assert_error(
        post(client_a, payment, "start", {"provider": "stripe", "channel": "mini"}),
        409,
        "provider_unavailable",
    )
    assert_error(post(client_a, payment, "start", {"provider": "paypal"}), 400, "invalid")
    assert_error(post(client_a, payment, "start", {"provider": "sandbox", "channel": "h5"}), 400, "invalid")
    # The sandbox cannot take a mini-program payment.
    assert_error(
        post(client_a, payment, "start", {"provider": "sandbox", "channel": "mini"}),
        409,
        "provider_unavailable",
    )
    assert _state(school_a, payment) == PaymentState.CREATED


def test_schema_documents_the_payment_endpoints_without_warnings(client_a, school_a):
    # Our endpoints alone (other apps' warnings are tests/alumni/accounts/test_api.py's business) …
    ours = [path("api/v1/", include("billing.payments.api.urls"))]
    with inside(school_a):
        GENERATOR_STATS.reset()
        schema = SchemaGenerator(patterns=ours).get_schema(request=None, public=True)
        assert not GENERATOR_STATS._warn_cache, list(GENERATOR_STATS._warn_cache)
        assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)
    connection.set_schema_to_public()
    paths = {
        "/api/v1/payments/{reference}/",
        "/api/v1/payments/{reference}/start/",
        "/api/v1/payments/{reference}/sync/",
    }
    assert set(schema["paths"]) == paths
    # … and the whole API's schema, as served, has them.
    served = client_a.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert served.status_code == 200
    assert paths <= set(served.json()["paths"])


def test_an_unknown_reference_is_a_404_in_the_api_format(client_a, school_a):
    response = Client(HTTP_HOST="alpha.localhost").get("/api/v1/payments/P20990101NOPE/")
    assert_error(response, 404, "payment_not_found")
