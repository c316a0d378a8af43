"""Fixtures for school plans: seeded plans, an operator, Stripe settings, a stand-in Stripe API,
signed webhook deliveries, and logged-in clients for each role of a school."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from billing.subscriptions.models import Plan
from billing.subscriptions.services import plans_seed, subscription_ensure
from tenants.services import operator_save
from tests.conftest import host_of, inside

WEBHOOK_SECRET = "whsec_test_platform_0123456789"
SECRET_KEY = "sk_test_platform_0123456789"
OPERATOR_EMAIL = "plans-operator@alumni.cloud"
OPERATOR_PASSWORD = "Operator-pass-123"


@pytest.fixture
def plans(db):
    """The default plans (a transactional test elsewhere may have flushed them), with Stripe prices."""
    plans_seed()
    for code in ("standard", "professional", "flagship"):
        Plan.objects.filter(code=code).update(stripe_price_id=f"price_{code}_yearly")
    return {plan.code: plan for plan in Plan.objects.all()}


@pytest.fixture
def sub_a(school_a, plans):
    return subscription_ensure(school=school_a)


@pytest.fixture
def sub_b(school_b, plans):
    return subscription_ensure(school=school_b)


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_PLATFORM_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PLATFORM_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


# --- webhook deliveries, signed exactly as Stripe signs them ---------------------------------------


def signature_header(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe-Signature: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint secret>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_event_counter = iter(range(1, 1_000_000))


def event(event_type: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_event_counter)}_{int(time.time() * 1000)}",
        "object": "event",
        "type": event_type,
        "created": created or int(time.time()),
        "api_version": "2026-10-28.endive",
        "data": {"object": obj},
    }


def deliver(client: Client, payload: dict | str, **signing):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(
        "/billing/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body, **signing),
    )


def stripe_subscription(
    schema: str,
    *,
    status: str = "active",
    sub_id: str = "sub_test_1",
    customer: str = "cus_test_1",
    price: str = "price_standard_yearly",
    period_end: int | None = None,
    cancel_at_period_end: bool = False,
) -> dict:
    period_end = period_end or int(time.time()) + 365 * 86400
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "metadata": {"school": schema, "plan": price.split("_")[1]},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_test_1",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "current_period_start": period_end - 365 * 86400,
                    "current_period_end": period_end,
                }
            ],
        },
    }


def stripe_invoice(schema: str, *, sub_id: str = "sub_test_1", customer: str = "cus_test_1", period_end=None):
    period_end = period_end or int(time.time()) + 365 * 86400
    return {
        "id": "in_test_1",
        "object": "invoice",
        "customer": customer,
        "status": "paid",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": sub_id, "metadata": {"school": schema}},
        },
        "lines": {
            "object": "list",
            "data": [{"period": {"start": period_end - 365 * 86400, "end": period_end}}],
        },
    }


# --- a stand-in for api.stripe.com ----------------------------------------------------------------


class StripeStandIn:
    """Stand-in for api.stripe.com: answers Checkout and customer-portal session creation.

    Records every request (method, path, form fields, headers) so a test can check exactly what
    the stripe library sent. Runs on 127.0.0.1 in a thread; STRIPE_API_BASE points at it.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_with: int | None = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                stand_in.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
                if stand_in.fail_with:
                    body = {"error": {"type": "api_error", "message": "stand-in failure"}}
                    self._reply(stand_in.fail_with, body)
                elif self.path == "/v1/checkout/sessions":
                    number = len(stand_in.requests)
                    self._reply(
                        200,
                        {
                            "id": f"cs_test_{number}",
                            "object": "checkout.session",
                            "mode": form.get("mode"),
                            "url": f"https://checkout.stripe.com/c/pay/cs_test_{number}",
                        },
                    )
                elif self.path == "/v1/billing_portal/sessions":
                    self._reply(
                        200,
                        {
                            "id": "bps_test_1",
                            "object": "billing_portal.session",
                            "customer": form.get("customer"),
                            "url": "https://billing.stripe.com/p/session/test_1",
                        },
                    )
                else:
                    self._reply(404, {"error": {"type": "invalid_request_error", "message": "unknown path"}})

            def _reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_stand_in")
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stripe_stand_in(stripe_settings):
    with StripeStandIn() as stand_in:
        stripe_settings.STRIPE_API_BASE = stand_in.url
        yield stand_in


# --- who is asking --------------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    user, _ = operator_save(email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD, name="运营小李")
    return user


@pytest.fixture
def console(operator) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    return client


def logged_in(school, user) -> Client:
    client = Client(HTTP_HOST=host_of(school))
    with inside(school):
        client.force_login(user)
    return client


def school_admin(school):
    with inside(school):
        return get_user_model().objects.get(email=f"admin@{school.subdomain}.edu.cn")


@pytest.fixture
def admin_client_a(school_a):
    return logged_in(school_a, school_admin(school_a))


@pytest.fixture
def admin_client_b(school_b):
    return logged_in(school_b, school_admin(school_b))


@pytest.fixture
def editor_client_a(school_a):
    """A back-office user who is not a school admin (e.g. a chapter's editor in Wagtail's Editors group)."""
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="plans-editor", email="plans-editor@alpha.edu.cn", name="编辑小赵", is_staff=True
        )
        user.groups.add(Group.objects.get(name="Editors"))
    return logged_in(school_a, user)


@pytest.fixture
def alumnus_client_a(school_a):
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="13900000077", phone="13900000077", name="校友小孙"
        )
    return logged_in(school_a, user)
