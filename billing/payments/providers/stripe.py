"""Stripe: a hosted Checkout Session per payment (cards, Alipay and WeChat Pay through Stripe).

Each school uses its own Stripe account: the secret key and the webhook signing secret are stored
sealed on its ProviderAccount. Every create carries an idempotency key derived from our reference,
so a retried request never opens a second session or refunds twice. Webhooks are verified with the
school's signing secret (Stripe's v1 HMAC, 300 s tolerance) before anything in them is believed.

A paid payment is identified by its PaymentIntent id: ``checkout.session.completed`` and
``payment_intent.succeeded`` both report it, so the two events for one payment agree on the
provider reference and the second is recognised as the same money.
"""

from __future__ import annotations

import json
from datetime import timedelta

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.payments.providers import register
from billing.payments.providers.base import (
    Checkout,
    InvalidSignature,
    Notification,
    PayerContext,
    PaymentProvider,
    PaymentStatus,
    ProviderError,
    RefundStatus,
)
from billing.payments.secrets import unseal

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300
PAYMENT_METHOD_TYPES = ("card", "alipay", "wechat_pay")
# Stripe accepts a session expiry between 30 minutes and 24 hours from now; the margins keep a
# slow clock from tipping a request over either edge.
_SESSION_MIN_LIFETIME = timedelta(minutes=31)
_SESSION_MAX_LIFETIME = timedelta(hours=23, minutes=50)
# Session expiry is rounded so two concurrent starts of one payment send identical parameters
# (Stripe rejects a reused idempotency key whose parameters differ).
_EXPIRY_STEP_SECONDS = 600

_CHECKOUT_PAID = ("paid", "no_payment_required")
_REFUND_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")
_REFUND_FAILURE_REASONS = {
    "expired_or_canceled_card": "卡片已过期或注销",
    "lost_or_stolen_card": "卡片已挂失",
    "declined": "发卡行拒绝退款",
    "insufficient_funds": "Stripe 账户余额不足",
    "merchant_request": "商户撤回了退款",
    "charge_for_pending_refund_disputed": "原交易发生争议",
}


def _metadata(obj: dict) -> dict:
    metadata = obj.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _charge_refunds(charge: dict) -> list[dict]:
    # Recent API versions no longer embed a charge's refunds; older ones do.
    refunds = charge.get("refunds")
    data = refunds.get("data") if isinstance(refunds, dict) else None
    return [item for item in data or [] if isinstance(item, dict)]


def _session_status(session, reference: str) -> PaymentStatus:
    """What a Checkout Session says about our payment."""
    if session.get("payment_status") in _CHECKOUT_PAID and session.get("status") == "complete":
        return PaymentStatus(
            reference=reference,
            status="succeeded",
            provider_ref=session.get("payment_intent") or "",
            amount=session.get("amount_total"),
            currency=(session.get("currency") or "").upper() or None,
        )
    if session.get("status") == "expired":
        return PaymentStatus(reference=reference, status="cancelled", failure_reason="Stripe 支付会话已过期")
    return PaymentStatus(
        reference=reference, status="pending", provider_ref=session.get("payment_intent") or ""
    )


def _refund_status(refund, reference: str) -> RefundStatus:
    status = refund.get("status")
    if status == "succeeded":
        return RefundStatus(reference=reference, status="succeeded", provider_ref=refund.get("id", ""))
    if status in ("failed", "canceled"):
        reason = refund.get("failure_reason") or ""
        message = _REFUND_FAILURE_REASONS.get(reason, f"Stripe 退款失败（{reason or status}）")
        return RefundStatus(
            reference=reference, status="failed", provider_ref=refund.get("id", ""), failure_reason=message
        )
    # pending, requires_action: the money is on its way (Alipay and WeChat Pay refund asynchronously).
    return RefundStatus(reference=reference, status="pending", provider_ref=refund.get("id", ""))


def _provider_error(exc: stripe.StripeError) -> ProviderError:
    retryable = isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)) or (
        isinstance(exc, stripe.APIError) and (exc.http_status or 500) >= 500
    )
    message = exc.user_message or exc.__class__.__name__
    return ProviderError(f"Stripe：{message}", code=exc.code or "stripe_error", retryable=retryable)


def _call(method, *args, **kwargs) -> dict:
    """One Stripe API call, its answer as a plain dict, its failure as a ProviderError."""
    try:
        return method(*args, **kwargs).to_dict()
    except stripe.StripeError as exc:
        raise _provider_error(exc) from exc


def _round_up(moment: int) -> int:
    return -(-moment // _EXPIRY_STEP_SECONDS) * _EXPIRY_STEP_SECONDS


@register
class StripeProvider(PaymentProvider):
    code = "stripe"
    label = _("Stripe（银行卡、支付宝、微信支付）")
    channels = ("checkout",)

    # --- API calls --------------------------------------------------------------------------

    def _client(self) -> stripe.StripeClient:
        api_key = unseal(self.account.stripe_secret_key) if self.account else ""
        if not api_key:
            raise ProviderError("学校尚未填写 Stripe 密钥", code="stripe_not_configured")
        # Retries are safe: every create carries an idempotency key.
        return stripe.StripeClient(
            api_key=api_key, base_addresses={"api": settings.STRIPE_API_BASE}, max_network_retries=2
        )

    def _session_expiry(self, payment) -> int:
        now = timezone.now()
        earliest = _round_up(int((now + _SESSION_MIN_LIFETIME).timestamp()))
        latest = int((now + _SESSION_MAX_LIFETIME).timestamp()) // _EXPIRY_STEP_SECONDS * _EXPIRY_STEP_SECONDS
        wanted = int(payment.expires_at.timestamp()) if payment.expires_at else earliest
        return min(max(wanted, earliest), latest)

    def start(self, payment, payer: PayerContext) -> Checkout:
        client = self._client()
        reuse = self._open_session(client, payment)
        if reuse is not None:
            return reuse
        return_url = payer.return_url or payment.return_url
        if not return_url:
            raise ProviderError("缺少支付完成后的返回地址", code="return_url_required")
        tags = {"school": self.schema_name, "reference": payment.reference}
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": payment.amount,
                        "product_data": {"name": payment.subject},
                    },
                    "quantity": 1,
                }
            ],
            "payment_method_types": list(PAYMENT_METHOD_TYPES),
            "payment_method_options": {"wechat_pay": {"client": "web"}},
            "client_reference_id": payment.reference,
            "metadata": tags,
            "payment_intent_data": {"metadata": tags},
            "success_url": return_url,
            "cancel_url": return_url,
            "expires_at": self._session_expiry(payment),
            "locale": "zh",
        }
        session = _call(
            client.v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": f"{self.schema_name}:{payment.reference}:checkout"},
        )
        return self._checkout(session)

    @staticmethod
    def _checkout(session) -> Checkout:
        return Checkout(
            provider_ref=session["id"],
            action={"type": "redirect", "url": session.get("url") or "", "session_id": session["id"]},
        )

    def _open_session(self, client: stripe.StripeClient, payment) -> Checkout | None:
        """The session an earlier start opened, if the payer can still pay in it (a reload, a retry)."""
        session_id = (payment.action or {}).get("session_id") if payment.provider == self.code else None
        if not session_id:
            return None
        session = _call(client.v1.checkout.sessions.retrieve, session_id)
        if session.get("status") == "open":
            return self._checkout(session)
        if session.get("status") == "complete":
            # Paid (or an async method still settling): the webhook or the sweep will tell us.
            raise ProviderError("该订单已在 Stripe 完成付款，正在确认", code="stripe_session_complete")
        raise ProviderError("Stripe 支付会话已过期，请重新下单", code="stripe_session_expired")

    def _session_id(self, payment) -> str:
        session_id = (payment.action or {}).get("session_id", "")
        if not session_id and payment.provider_ref.startswith("cs_"):
            session_id = payment.provider_ref
        return session_id

    def query(self, payment) -> PaymentStatus:
        session_id = self._session_id(payment)
        if not session_id:
            return PaymentStatus(reference=payment.reference, status="pending")
        session = _call(self._client().v1.checkout.sessions.retrieve, session_id)
        return _session_status(session, payment.reference)

    def close(self, payment) -> None:
        session_id = self._session_id(payment)
        if not session_id:
            return
        client = self._client()
        try:
            client.v1.checkout.sessions.expire(session_id)
            return
        except stripe.InvalidRequestError as exc:
            refused = exc
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        # Stripe refuses to expire a session that is not open: fine if it already expired, but a
        # completed session may hold the payer's money, so the payment must not be closed.
        if _call(client.v1.checkout.sessions.retrieve, session_id).get("status") != "expired":
            raise _provider_error(refused)

    def _payment_intent(self, payment) -> str:
        if payment.provider_ref.startswith("pi_"):
            return payment.provider_ref
        session_id = self._session_id(payment)
        if session_id:
            session = _call(self._client().v1.checkout.sessions.retrieve, session_id)
            if session.get("payment_intent"):
                return session["payment_intent"]
        raise ProviderError("找不到该订单在 Stripe 的付款记录", code="stripe_no_payment_intent")

    def refund(self, refund, payer_total: int) -> RefundStatus:
        payment = refund.payment
        params = {
            "payment_intent": self._payment_intent(payment),
            "amount": refund.amount,
            "reason": "requested_by_customer",
            "metadata": {
                "school": self.schema_name,
                "reference": refund.reference,
                "payment": payment.reference,
            },
        }
        try:
            created = (
                self._client()
                .v1.refunds.create(
                    params=params, options={"idempotency_key": f"{self.schema_name}:{refund.reference}"}
                )
                .to_dict()
            )
        except (stripe.APIConnectionError, stripe.RateLimitError):
            # Stripe may or may not have it; refund_query repeats the create under the same
            # idempotency key, which settles it either way without refunding twice.
            return RefundStatus(reference=refund.reference, status="pending")
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return _refund_status(created, refund.reference)

    def refund_query(self, refund) -> RefundStatus:
        """Where a pending refund stands at Stripe."""
        if not refund.provider_ref:
            return self.refund(refund, refund.payment.paid_amount)
        found = _call(self._client().v1.refunds.retrieve, refund.provider_ref)
        return _refund_status(found, refund.reference)

    # --- webhooks ---------------------------------------------------------------------------

    @classmethod
    def route(cls, body: bytes, headers) -> str | None:
        try:
            obj = json.loads(body)["data"]["object"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(obj, dict):
            return None
        school = _metadata(obj).get("school")
        if not school:
            for item in _charge_refunds(obj):
                school = _metadata(item).get("school")
                if school:
                    break
        return school if isinstance(school, str) and school else None

    def parse_webhook(self, body: bytes, headers) -> list[Notification]:
        secret = unseal(self.account.stripe_webhook_secret) if self.account else ""
        if not secret:
            raise InvalidSignature("the school has no Stripe webhook signing secret")
        try:
            stripe.Webhook.construct_event(
                body, headers.get(SIGNATURE_HEADER), secret, tolerance=TOLERANCE_SECONDS
            )
            event = json.loads(body)
            event_id, event_type = event["id"], event["type"]
            obj = event["data"]["object"]
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature(f"Stripe signature: {exc.user_message}") from None
        except (ValueError, KeyError, TypeError):
            raise InvalidSignature("malformed Stripe event") from None
        if not (isinstance(event_id, str) and isinstance(event_type, str) and isinstance(obj, dict)):
            raise InvalidSignature("malformed Stripe event")
        base = {"event_id": event_id, "type": event_type, "created": event.get("created"), "payload": event}
        claimed = _metadata(obj).get("school")
        if claimed and claimed != self.schema_name:
            # Signed by this school's account yet tagged for another school: never apply it here.
            return [Notification(**base)]
        payment = self._payment_from(event_type, obj)
        if payment is not None:
            return [Notification(**base, payment=payment)]
        refunds = self._refunds_from(event_type, obj)
        if not refunds:
            return [Notification(**base)]
        if len(refunds) == 1:
            return [Notification(**base, refund=refunds[0][1])]
        # One charge.refunded can list several refunds; each needs its own dedupe key.
        return [
            Notification(**{**base, "event_id": f"{event_id}:{refund_id}"}, refund=status)
            for refund_id, status in refunds
        ]

    def _payment_from(self, event_type: str, obj: dict) -> PaymentStatus | None:
        reference = _metadata(obj).get("reference") or obj.get("client_reference_id") or ""
        if not reference:
            return None
        if event_type == "checkout.session.completed":
            return _session_status(obj, reference)
        if event_type == "checkout.session.async_payment_succeeded":
            return _session_status({**obj, "status": "complete", "payment_status": "paid"}, reference)
        if event_type == "checkout.session.async_payment_failed":
            return PaymentStatus(
                reference=reference, status="failed", failure_reason="支付未能完成（支付宝/微信支付）"
            )
        if event_type == "checkout.session.expired":
            return PaymentStatus(
                reference=reference, status="cancelled", failure_reason="Stripe 支付会话已过期"
            )
        if event_type == "payment_intent.succeeded":
            return PaymentStatus(
                reference=reference,
                status="succeeded",
                provider_ref=obj.get("id", ""),
                amount=obj.get("amount_received", obj.get("amount")),
                currency=(obj.get("currency") or "").upper() or None,
            )
        if event_type == "payment_intent.payment_failed":
            error = obj.get("last_payment_error") or {}
            message = error.get("message") if isinstance(error, dict) else ""
            return PaymentStatus(
                reference=reference,
                status="failed",
                provider_ref=obj.get("id", ""),
                failure_reason=f"Stripe：{message}" if message else "Stripe 付款失败",
            )
        return None

    def _refunds_from(self, event_type: str, obj: dict) -> list[tuple[str, RefundStatus]]:
        if event_type in _REFUND_EVENTS:
            items = [obj]
        elif event_type == "charge.refunded":
            items = _charge_refunds(obj)
        else:
            return []
        found = []
        for item in items:
            reference = _metadata(item).get("reference")
            if reference and _metadata(item).get("school", self.schema_name) == self.schema_name:
                found.append((item.get("id", ""), _refund_status(item, reference)))
        return found
