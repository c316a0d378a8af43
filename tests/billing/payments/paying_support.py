"""Helpers for the pay-page and payments-API tests: users, a payment, WeChat Pay accounts.

``WeChatPayStandIn`` is a stand-in for WeChat Pay's v2 API (api.mch.weixin.qq.com): a local
http.server in a thread that answers ``/pay/unifiedorder`` with a prepay id, signed with the
school's API key the way WeChat signs (so the provider's response check passes). It is not the
real WeChat; the provider reaches it through ``settings.WECHATPAY_API_BASE``.
"""

from __future__ import annotations

import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import xmltodict
from django.contrib.auth import get_user_model

from alumni.accounts.models import WeChatIdentity
from billing.payments.providers.wechatpay import sign
from billing.payments.services import payment_create, provider_account_update
from tests.conftest import inside

API_KEY = "k" * 32
MP_APP = "wx_mp_alpha_0001"
MINI_APP = "wx_mini_alpha_001"
MCH_ID = "1900000109"
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


def make_user(school, phone: str, *, superuser: bool = False):
    with inside(school):
        return get_user_model().objects.create_user(
            username=phone,
            phone=phone,
            password="x-Pass-12",
            name=f"校友{phone[-4:]}",
            is_superuser=superuser,
        )


def login(client, school, user) -> None:
    with inside(school):  # last_login is saved in the school's schema
        client.force_login(user)


def admin_of(school):
    with inside(school):
        return get_user_model().objects.filter(is_superuser=True).first()


def new_payment(school, *, payer=None, amount: int = 1200, return_url: str = "/events/orders/9/"):
    with inside(school):
        return payment_create(
            purpose="events.order",
            purpose_id=uuid.uuid4().hex[:8],
            subject="校庆晚宴门票",
            amount=amount,
            idempotency_key=uuid.uuid4().hex,
            payer=payer,
            return_url=return_url,
        )


def enable_wechatpay(school) -> None:
    with inside(school):
        provider_account_update(
            provider="wechatpay",
            actor=admin_of(school),
            enabled=True,
            wechat_app_id=MP_APP,
            wechat_mini_app_id=MINI_APP,
            wechat_mch_id=MCH_ID,
            wechat_api_key=API_KEY,
        )


def enable_stripe(school) -> None:
    with inside(school):
        provider_account_update(
            provider="stripe",
            actor=admin_of(school),
            enabled=True,
            stripe_publishable_key="pk_test_alpha",
            stripe_secret_key="sk_test_alpha",
            stripe_webhook_secret="whsec_alpha",
        )


def bind_wechat(school, user, *, kind: str, app_id: str, openid: str) -> None:
    with inside(school):
        WeChatIdentity.objects.create(user=user, kind=kind, app_id=app_id, openid=openid)


class WeChatPayStandIn:
    """Stand-in for WeChat Pay's unified order API (see the module docstring)."""

    def __init__(self):
        self.orders: list[dict] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                order = dict(xmltodict.parse(body)["xml"])
                standin.orders.append({"path": self.path, **order})
                reply = {
                    "return_code": "SUCCESS",
                    "result_code": "SUCCESS",
                    "appid": order.get("appid", ""),
                    "mch_id": order.get("mch_id", ""),
                    "nonce_str": uuid.uuid4().hex,
                    "trade_type": "JSAPI",
                    "prepay_id": f"wx_prepay_{order.get('out_trade_no', '')}",
                }
                reply["sign"] = sign(reply, API_KEY)
                payload = xmltodict.unparse({"xml": reply}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
