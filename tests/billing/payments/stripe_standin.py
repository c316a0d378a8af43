"""A local stand-in for api.stripe.com, and Stripe events signed the way Stripe signs them.

The school payments tests cannot reach Stripe, so the real ``stripe`` library talks to this small
HTTP server instead (``STRIPE_API_BASE`` points at it). It keeps the parts of Stripe's behaviour the
payments code relies on: secret-key auth per account, idempotency keys (a replay returns the first
answer; the same key with different parameters is refused), Checkout Sessions that open, complete
and expire, and refunds that can never exceed what was charged. Every request is recorded with its
headers and form parameters exactly as they arrived, so tests can check what was sent.

Events are built like Stripe's (``evt_…`` id, ``data.object``) and signed with the school's webhook
signing secret by ``stripe.WebhookSignature`` (HMAC-SHA256 over ``f"{t}.{payload}"``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe
from django.test import override_settings

from billing.payments.models import Provider, ProviderAccount
from billing.payments.providers.base import PayerContext
from billing.payments.secrets import seal
from billing.payments.services import payment_create, payment_start
from tests.conftest import inside

SECRET_KEYS = {"alpha": "sk_test_alpha_51Alpha", "beta": "sk_test_beta_51Beta"}
WEBHOOK_SECRETS = {"alpha": "whsec_alpha_signing_secret", "beta": "whsec_beta_signing_secret"}
RETURN_URL = "https://alpha.localhost/pay/return/"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    params: dict  # flat form fields as Stripe receives them: "line_items[0][quantity]" → "1"


def _nest(flat: dict) -> dict:
    """Form fields like ``metadata[school]`` back into nested dicts (list indices stay keys)."""
    nested: dict = {}
    for key, value in flat.items():
        parts = key.replace("]", "").split("[")
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def _error(status: int, kind: str, message: str, *, param: str = "", code: str = "") -> tuple[int, dict]:
    body = {"type": kind, "message": message}
    if param:
        body["param"] = param
    if code:
        body["code"] = code
    return status, {"error": body}


@dataclass
class StripeStandIn:
    """Stand-in for api.stripe.com (test mode), one per test."""

    keys: dict = field(default_factory=lambda: dict(SECRET_KEYS))
    requests: list = field(default_factory=list)
    sessions: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    # Status new refunds get ("pending" for the Alipay/WeChat Pay kind that settle later).
    refund_status: str = "succeeded"
    # Canned failures for the next requests: (http status, error type, extra headers).
    failures: list = field(default_factory=list)
    url: str = ""
    _idempotency: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what tests look at and do -----------------------------------------------------------

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def session_for(self, reference: str) -> dict:
        return next(s for s in self.sessions.values() if s["client_reference_id"] == reference)

    def pay(self, session_id: str) -> dict:
        """The payer completes Checkout: the session is paid through a new PaymentIntent."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=f"pi_{uuid.uuid4().hex[:24]}")
        return session

    def expire(self, session_id: str) -> dict:
        session = self.sessions[session_id]
        session["status"] = "expired"
        return session

    # --- the HTTP side ------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict, params: dict) -> tuple[int, dict, dict]:
        with self._lock:
            self.requests.append(Recorded(method, path, headers, params))
            if self.failures:
                status, kind, extra = self.failures.pop(0)
                return (*_error(status, kind, "Stand-in failure"), extra)
            auth = headers.get("authorization", "")
            account = next((school for school, key in self.keys.items() if auth == f"Bearer {key}"), None)
            if account is None:
                return (*_error(401, "invalid_request_error", "Invalid API Key provided"), {})
            idem = headers.get("idempotency-key")
            if method == "POST" and idem:
                seen = self._idempotency.get((account, idem))
                if seen is not None:
                    if seen[0] != params:
                        return (
                            *_error(
                                400,
                                "idempotency_error",
                                "Keys for idempotent requests can only be used with the same parameters "
                                "they were first used with.",
                            ),
                            {},
                        )
                    return seen[1], seen[2], {"Idempotent-Replayed": "true"}
            status, body = self._route(method, path, params, account)
            if method == "POST" and idem and status < 500:
                self._idempotency[(account, idem)] = (params, status, body)
            return status, body, {}

    def _route(self, method: str, path: str, params: dict, account: str) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "checkout", "sessions"]:
            return self._session_create(_nest(params), account)
        if parts[:3] == ["v1", "checkout", "sessions"] and len(parts) >= 4:
            session = self.sessions.get(parts[3])
            if session is None or session["_account"] != account:
                return _error(
                    404, "invalid_request_error", "No such checkout.session", code="resource_missing"
                )
            if method == "POST" and parts[4:] == ["expire"]:
                if session["status"] != "open":
                    return _error(
                        400,
                        "invalid_request_error",
                        'Only Checkout Sessions with a status in ["open"] can be expired.',
                    )
                session["status"] = "expired"
            return 200, self._public(session)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._refund_create(_nest(params), account)
        if method == "GET" and parts[:2] == ["v1", "refunds"] and len(parts) == 3:
            refund = self.refunds.get(parts[2])
            if refund is None or refund["_account"] != account:
                return _error(404, "invalid_request_error", "No such refund", code="resource_missing")
            return 200, self._public(refund)
        return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})")

    @staticmethod
    def _public(obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _session_create(self, params: dict, account: str) -> tuple[int, dict]:
        now = int(time.time())
        expires_at = int(params.get("expires_at") or now + 86400)
        if not now + 1800 <= expires_at <= now + 86400:
            return _error(
                400,
                "invalid_request_error",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                param="expires_at",
            )
        for required in ("mode", "success_url"):
            if not params.get(required):
                return _error(
                    400, "invalid_request_error", f"Missing required param: {required}.", param=required
                )
        item = params["line_items"]["0"]
        session_id = f"cs_test_{uuid.uuid4().hex}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": int(item["price_data"]["unit_amount"]) * int(item.get("quantity", "1")),
            "currency": item["price_data"]["currency"],
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "expires_at": expires_at,
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "livemode": False,
            "_account": account,
        }
        self.sessions[session_id] = session
        return 200, self._public(session)

    def _refund_create(self, params: dict, account: str) -> tuple[int, dict]:
        intent = params.get("payment_intent", "")
        session = next(
            (s for s in self.sessions.values() if s["payment_intent"] == intent and s["_account"] == account),
            None,
        )
        if session is None:
            return _error(
                404, "invalid_request_error", f"No such payment_intent: '{intent}'", param="payment_intent"
            )
        amount = int(params.get("amount") or session["amount_total"])
        refunded = sum(
            r["amount"]
            for r in self.refunds.values()
            if r["payment_intent"] == intent and r["status"] != "failed"
        )
        if amount > session["amount_total"] - refunded:
            return _error(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({session['amount_total'] - refunded})",
                param="amount",
                code="amount_too_large",
            )
        refund_id = f"re_{uuid.uuid4().hex[:24]}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "currency": session["currency"],
            "payment_intent": intent,
            "charge": f"ch_{intent[3:]}",
            "metadata": params.get("metadata", {}),
            "reason": params.get("reason"),
            "status": self.refund_status,
            "_account": account,
        }
        self.refunds[refund_id] = refund
        return 200, self._public(refund)


def _handler(standin: StripeStandIn):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str):
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else split.query
            params = dict(parse_qsl(raw, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, extra = standin.handle(method, split.path, headers, params)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def running_standin():
    """Serve a fresh stand-in on a free local port and point the ``stripe`` library at it."""
    standin = StripeStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with override_settings(STRIPE_API_BASE=standin.url):
            yield standin
    finally:
        server.shutdown()
        server.server_close()


def configure_stripe(*schools, enabled: bool = True) -> None:
    """Give each school its own Stripe account (secret key + webhook signing secret)."""
    for school in schools:
        with inside(school):
            ProviderAccount.objects.update_or_create(
                provider=Provider.STRIPE,
                defaults={
                    "enabled": enabled,
                    "stripe_publishable_key": f"pk_test_{school.schema_name}",
                    "stripe_secret_key": seal(SECRET_KEYS[school.schema_name]),
                    "stripe_webhook_secret": seal(WEBHOOK_SECRETS[school.schema_name]),
                },
            )


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> bytes:
    """A Stripe event body as Stripe would POST it."""
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "api_version": "2025-09-30.clover",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {"object": obj},
        }
    ).encode()


def sign(body: bytes, *, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header value for `body`, computed by the stripe library itself."""
    return stripe.WebhookSignature.generate_signature_header(
        body.decode(), secret, timestamp=int(time.time()) if timestamp is None else timestamp
    )


def stripe_payment(amount: int = 12800, *, start: bool = True, subject: str = "2026 校庆晚宴门票"):
    payment = payment_create(
        purpose="tests.order",
        purpose_id=uuid.uuid4().hex[:8],
        subject=subject,
        amount=amount,
        idempotency_key=uuid.uuid4().hex,
    )
    if start:
        payment = payment_start(
            payment=payment,
            provider=Provider.STRIPE,
            payer=PayerContext(channel="checkout", return_url=RETURN_URL),
        )
    return payment
