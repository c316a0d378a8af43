"""WeChat Pay (v2 API, through wechatpy): JSAPI in the official account's H5 and mini-program payments.

One merchant (mch_id + API key) per school, paid through either of the school's two apps: the
official account (``wechat_app_id``, channel "jsapi") or the mini-program (``wechat_mini_app_id``,
channel "mini"). The channel a payment was started on is kept in ``Payment.action["type"]`` and
later calls (query, close, refund) use the same app id.

Trust: every notify is verified with the school's API key in constant time (wechatpy's own check
compares with ``==``); responses from the API are verified the same way before we believe them.
Refund notifies carry no signature: they are AES-256-ECB encrypted with md5(API key), which is
what authenticates them.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import tempfile
from datetime import timedelta
from xml.parsers.expat import ExpatError
from zoneinfo import ZoneInfo

import requests
import xmltodict
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wechatpy.crypto import RefundCrypto
from wechatpy.exceptions import WeChatPayException
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from billing.errors import BillingError, ProviderUnavailable
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
    WebhookReply,
)
from billing.payments.secrets import unseal
from tenants.services import platform_url

CHINA = ZoneInfo("Asia/Shanghai")
TIMEOUT_SECONDS = 10
# WeChat refuses an order whose time_expire is less than a minute after time_start.
MIN_ORDER_LIFETIME = timedelta(minutes=2)
# How long a refund WeChat has never heard of may still be in flight (see refund_query).
REFUND_IN_FLIGHT = timedelta(minutes=5)
# Errors after which the outcome at WeChat is unknown and a retry with the same number is safe.
RETRYABLE_CODES = {"SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED"}

TRADE_STATES: dict[str, str] = {
    "SUCCESS": "succeeded",
    "REFUND": "succeeded",  # paid, then (partly) refunded: the payment itself happened
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "ACCEPT": "pending",
    "CLOSED": "cancelled",
    "REVOKED": "cancelled",
    "PAYERROR": "failed",
}
# CHANGE means the bank refused to take the money back (closed card); the merchant re-routes it by
# hand on pay.weixin.qq.com, so the money stays committed to this refund: still pending, never
# "failed" (which would release the amount for a second refund).
REFUND_STATES: dict[str, str] = {
    "SUCCESS": "succeeded",
    "PROCESSING": "pending",
    "CHANGE": "pending",
    "REFUNDCLOSE": "failed",
}


def webhook_url(schema_name: str | None = None) -> str:
    """The platform's notify URL for WeChat Pay (with the school in the path for refund notifies)."""
    if schema_name:
        path = reverse(
            "payment_webhooks:receive_for_school",
            kwargs={"provider": "wechatpay", "schema": schema_name},
            urlconf=settings.PUBLIC_SCHEMA_URLCONF,
        )
    else:
        path = reverse(
            "payment_webhooks:receive",
            kwargs={"provider": "wechatpay"},
            urlconf=settings.PUBLIC_SCHEMA_URLCONF,
        )
    return platform_url(path)


def sign(fields: dict, api_key: str) -> str:
    """WeChat Pay v2's signature of `fields` (MD5, or HMAC-SHA256 when their sign_type says so)."""
    if not api_key:
        raise InvalidSignature("no API key to verify with")
    sign_type = fields.get("sign_type") or "MD5"
    if sign_type == "MD5":
        return calculate_signature(fields, api_key)
    if sign_type == "HMAC-SHA256":
        return calculate_signature_hmac(fields, api_key)
    raise InvalidSignature(f"unknown sign_type {sign_type!r}")


def signature_valid(data: dict, api_key: str) -> bool:
    """Whether `data` (a parsed notify or response, with its ``sign``) was signed with `api_key`."""
    given = data.get("sign")
    if not isinstance(given, str) or not given:
        return False
    fields = {k: v for k, v in data.items() if k != "sign"}
    try:
        expected = sign(fields, api_key)
    except InvalidSignature:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def parse_xml(body: bytes | str) -> dict[str, str]:
    """A flat WeChat Pay XML document as a dict of strings; anything else → InvalidSignature."""
    try:
        doc = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError, TypeError):
        raise InvalidSignature("not XML") from None
    data = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        raise InvalidSignature("not a WeChat Pay document")
    flat: dict[str, str] = {}
    for key, value in data.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            # Repeated or nested elements are never part of a v2 notify: refuse rather than guess.
            raise InvalidSignature(f"unexpected structure in {key}")
        flat[key] = value
    return flat


def decrypt_refund_info(req_info: str, api_key: str) -> dict[str, str]:
    """Decrypt a refund notify's req_info (AES-256-ECB, key md5(API key)) into its fields."""
    if not api_key or not req_info:
        raise InvalidSignature("no refund info or no key")
    # The key is defined by WeChat's protocol as md5(API key) in lower-case hex.
    key = hashlib.md5(api_key.encode(), usedforsecurity=False).hexdigest().encode()
    try:
        # wechatpy's RefundCrypto strips the padding without checking it; check it here.
        raw = RefundCrypto(key).cipher.decrypt(_b64(req_info))
    except ValueError:
        raise InvalidSignature("req_info is not AES-256-ECB data") from None
    pad = raw[-1] if raw else 0
    if not 1 <= pad <= 32 or raw[-pad:] != bytes([pad]) * pad:
        raise InvalidSignature("req_info does not decrypt with this school's key")
    try:
        doc = xmltodict.parse(raw[:-pad].decode(), disable_entities=True)
    except (ExpatError, UnicodeDecodeError, ValueError):
        raise InvalidSignature("req_info does not decrypt with this school's key") from None
    data = doc.get("root") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or not all(isinstance(v, str | None) for v in data.values()):
        raise InvalidSignature("req_info has an unexpected shape")
    return {k: v or "" for k, v in data.items()}


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSignature("req_info is not base64") from None


def _fen(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise InvalidSignature("amount is not a whole number of fen")
    return int(value)


@register
class WeChatPayProvider(PaymentProvider):
    code = "wechatpay"
    label = _("微信支付")
    channels = ("jsapi", "mini")

    # --- clients --------------------------------------------------------------------------
    @property
    def api_key(self) -> str:
        return unseal(self.account.wechat_api_key) if self.account else ""

    def _app_id(self, channel: str) -> str:
        if self.account is None:
            return ""
        return self.account.wechat_mini_app_id if channel == "mini" else self.account.wechat_app_id

    def _client(self, channel: str, *, cert: tuple[str, str] | None = None) -> WeChatPay:
        if not self._configured(channel):
            raise ProviderError(self._incomplete_message(channel), code="not_configured")
        client = WeChatPay(
            appid=self._app_id(channel),
            api_key=self.api_key,
            mch_id=self.account.wechat_mch_id,
            mch_cert=cert[0] if cert else None,
            mch_key=cert[1] if cert else None,
            timeout=TIMEOUT_SECONDS,
        )
        client.API_BASE_URL = settings.WECHATPAY_API_BASE.rstrip("/") + "/"
        return client

    def _configured(self, channel: str) -> bool:
        return bool(self._app_id(channel) and self.api_key and self.account.wechat_mch_id)

    @staticmethod
    def _incomplete_message(channel: str) -> str:
        what = "小程序 AppID" if channel == "mini" else "公众号 AppID"
        return f"学校的微信支付配置不完整（需要{what}、商户号和 API 密钥）"

    @staticmethod
    def _channel_of(payment) -> str:
        return "mini" if (payment.action or {}).get("type") == "mini" else "jsapi"

    def _call(self, func, **kwargs) -> dict:
        """Call wechatpy; translate its failures; believe only answers signed with the school's key."""
        try:
            data = func(**kwargs)
        except WeChatPayException as exc:
            code = exc.errcode or exc.return_code or "http_error"
            # return_code None: an HTTP error status (WeChat's side); SYSTEMERROR etc.: try again.
            retryable = exc.return_code is None or code in RETRYABLE_CODES
            message = exc.errmsg or exc.return_msg or "微信支付暂时无法处理"
            raise ProviderError(f"微信支付：{message}", code=str(code), retryable=retryable) from exc
        except requests.RequestException as exc:
            raise ProviderError("无法连接微信支付，请稍后再试", code="network", retryable=True) from exc
        except (KeyError, TypeError) as exc:
            raise ProviderError("微信支付返回了无法识别的结果", code="bad_response") from exc
        if not isinstance(data, dict) or not signature_valid(data, self.api_key):
            raise ProviderError("微信支付返回的签名无效", code="bad_signature")
        return data

    @contextlib.contextmanager
    def _certificate(self):
        """The merchant API certificate as two private files (0600) for the request, then deleted."""
        cert_pem = unseal(self.account.wechat_cert_pem) if self.account else ""
        key_pem = unseal(self.account.wechat_key_pem) if self.account else ""
        if not (cert_pem and key_pem):
            raise ProviderError("退款需要商户 API 证书，请在支付渠道配置中上传", code="certificate_missing")
        paths: list[str] = []
        try:
            for pem, suffix in ((cert_pem, "-cert.pem"), (key_pem, "-key.pem")):
                fd, path = tempfile.mkstemp(prefix="wxpay-", suffix=suffix)  # mkstemp: mode 0600
                paths.append(path)
                with os.fdopen(fd, "w") as handle:
                    handle.write(pem)
            yield paths[0], paths[1]
        finally:
            for path in paths:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    # --- payments -------------------------------------------------------------------------
    def start(self, payment, payer: PayerContext) -> Checkout:
        channel = payer.channel or "jsapi"
        if self.account is None or not self.account.enabled:
            raise ProviderUnavailable()
        if not self._configured(channel):
            raise ProviderUnavailable(self._incomplete_message(channel))
        if not payer.openid:
            raise BillingError("请在微信中打开页面完成支付（需要微信身份）", code="openid_required")
        if payment.currency != "CNY":
            raise BillingError("微信支付只支持人民币", code="currency_unsupported")
        now = timezone.now()
        expires_at = payment.expires_at or now + timedelta(hours=2)
        if expires_at <= now:
            raise BillingError("支付单已过期，请重新下单", code="payment_expired")
        # A repeated start must send identical fields, or WeChat answers "商户订单号重复".
        time_start = min(payment.created_at, now)
        time_expire = max(expires_at, time_start + MIN_ORDER_LIFETIME, now + timedelta(minutes=1))
        client = self._client(channel)
        order = self._call(
            client.order.create,
            trade_type="JSAPI",
            body=payment.subject,
            total_fee=payment.amount,
            notify_url=payer.notify_url or webhook_url(),
            client_ip=payer.client_ip or "127.0.0.1",
            user_id=payer.openid,
            out_trade_no=payment.reference,
            attach=self.schema_name,
            fee_type="CNY",
            time_start=timezone.localtime(time_start, CHINA),
            time_expire=timezone.localtime(time_expire, CHINA),
        )
        prepay_id = order.get("prepay_id")
        if not prepay_id:
            raise ProviderError("微信支付没有返回预支付单号", code="bad_response")
        params = client.jsapi.get_jsapi_params(prepay_id)
        if channel == "mini":
            # wx.requestPayment takes these five; the appId is signed but not passed.
            params = {k: params[k] for k in ("timeStamp", "nonceStr", "package", "signType", "paySign")}
        return Checkout(provider_ref=prepay_id, action={"type": channel, "params": params})

    def query(self, payment) -> PaymentStatus:
        client = self._client(self._channel_of(payment))
        try:
            data = self._call(client.order.query, out_trade_no=payment.reference)
        except ProviderError as exc:
            if exc.code == "ORDERNOTEXIST":
                # The unified order never reached WeChat: nothing can have been paid.
                return PaymentStatus(reference=payment.reference, status="pending")
            raise
        state = data.get("trade_state", "")
        status = TRADE_STATES.get(state)
        if status is None:
            raise ProviderError(f"微信支付返回了未知的订单状态 {state}", code="bad_response")
        if data.get("out_trade_no") and data["out_trade_no"] != payment.reference:
            raise ProviderError("微信支付返回了另一笔订单", code="bad_response")
        if status != "succeeded":
            return PaymentStatus(
                reference=payment.reference,
                status=status,
                failure_reason=data.get("trade_state_desc", "")[:200] if status != "pending" else "",
            )
        try:
            amount = _fen(data.get("total_fee"))
        except InvalidSignature as exc:
            raise ProviderError("微信支付返回的金额无效", code="bad_response") from exc
        return PaymentStatus(
            reference=payment.reference,
            status="succeeded",
            provider_ref=data.get("transaction_id", ""),
            amount=amount,
            currency=data.get("fee_type") or "CNY",
        )

    def close(self, payment) -> None:
        client = self._client(self._channel_of(payment))
        try:
            self._call(client.order.close, out_trade_no=payment.reference)
        except ProviderError as exc:
            # Already closed, or never created: either way it can no longer be paid.
            if exc.code not in ("ORDERCLOSED", "ORDERNOTEXIST"):
                raise

    # --- refunds --------------------------------------------------------------------------
    def refund(self, refund, payer_total: int) -> RefundStatus:
        payment = refund.payment
        with self._certificate() as cert:
            client = self._client(self._channel_of(payment), cert=cert)
            try:
                data = self._call(
                    client.refund.apply,
                    total_fee=payer_total,
                    refund_fee=refund.amount,
                    out_refund_no=refund.reference,
                    out_trade_no=payment.reference,
                    fee_type=payment.currency,
                    refund_desc=refund.reason[:80],
                    notify_url=webhook_url(self.schema_name),
                )
            except ProviderError as exc:
                if not exc.retryable:
                    raise
                # The request may have reached WeChat; the sweep asks (refund_query) with the same
                # out_refund_no, so the amount stays reserved instead of being offered again.
                return RefundStatus(reference=refund.reference, status="pending", failure_reason=exc.message)
        return RefundStatus(
            reference=refund.reference, status="pending", provider_ref=data.get("refund_id", "")
        )

    def refund_query(self, refund) -> RefundStatus:
        """Ask WeChat where a refund is (its notify may never come)."""
        client = self._client(self._channel_of(refund.payment))
        try:
            data = self._call(client.refund.query, out_refund_no=refund.reference)
        except ProviderError as exc:
            if exc.code == "REFUNDNOTEXIST" and timezone.now() - refund.created_at > REFUND_IN_FLIGHT:
                return RefundStatus(
                    reference=refund.reference, status="failed", failure_reason="微信支付未收到该退款申请"
                )
            raise
        try:
            count = int(data.get("refund_count") or 0)
        except ValueError:
            count = 0
        for n in range(count):
            if data.get(f"out_refund_no_{n}") == refund.reference:
                state = data.get(f"refund_status_{n}", "")
                status = REFUND_STATES.get(state)
                if status is None:
                    raise ProviderError(f"微信支付返回了未知的退款状态 {state}", code="bad_response")
                return RefundStatus(
                    reference=refund.reference,
                    status=status,
                    provider_ref=data.get(f"refund_id_{n}", ""),
                    failure_reason="微信支付退款关闭" if status == "failed" else "",
                )
        raise ProviderError("微信支付的退款查询结果中没有这笔退款", code="bad_response")

    # --- notifies -------------------------------------------------------------------------
    @classmethod
    def route(cls, body: bytes, headers) -> str | None:
        try:
            data = parse_xml(body)
        except InvalidSignature:
            return None
        # Payment notifies carry the school in attach; refund notifies carry nothing (school from URL).
        return data.get("attach") or None

    def parse_webhook(self, body: bytes, headers) -> list[Notification]:
        data = parse_xml(body)
        if data.get("return_code") != "SUCCESS":
            raise InvalidSignature("return_code is not SUCCESS: nothing verifiable")
        self._check_merchant(data)
        if "req_info" in data:
            return [self._refund_notification(data)]
        if not signature_valid(data, self.api_key):
            raise InvalidSignature("WeChat Pay notify signature mismatch")
        if data.get("attach") != self.schema_name:
            raise InvalidSignature("notify is for another school")
        result = data.get("result_code")
        reference = data.get("out_trade_no", "")
        if result not in ("SUCCESS", "FAIL") or not reference:
            raise InvalidSignature("notify without result or order number")
        payload = {k: v for k, v in data.items() if k != "sign"}
        event_id = f"{data.get('transaction_id') or reference}:{result}"
        if result == "SUCCESS":
            status = PaymentStatus(
                reference=reference,
                status="succeeded",
                provider_ref=data.get("transaction_id", ""),
                amount=_fen(data.get("total_fee")),
                currency=data.get("fee_type") or "CNY",
            )
        else:
            reason = data.get("err_code_des") or data.get("err_code") or "微信支付失败"
            status = PaymentStatus(reference=reference, status="failed", failure_reason=reason[:200])
        return [
            Notification(event_id=event_id, type=f"payment.{status.status}", payment=status, payload=payload)
        ]

    def _check_merchant(self, data: dict) -> None:
        account = self.account
        app_ids = {account.wechat_app_id, account.wechat_mini_app_id} - {""} if account else set()
        if not account or data.get("mch_id") != account.wechat_mch_id or data.get("appid") not in app_ids:
            raise InvalidSignature("notify for another merchant or app")

    def _refund_notification(self, data: dict) -> Notification:
        info = decrypt_refund_info(data["req_info"], self.api_key)
        reference = info.get("out_refund_no", "")
        state = info.get("refund_status", "")
        status = REFUND_STATES.get(state)
        if not reference or status is None or not info.get("refund_id"):
            raise InvalidSignature("refund notify without refund number or status")
        return Notification(
            event_id=f"{info['refund_id']}:{state}",
            type=f"refund.{status}",
            refund=RefundStatus(
                reference=reference,
                status=status,
                provider_ref=info["refund_id"],
                failure_reason="微信支付退款关闭" if status == "failed" else "",
            ),
            payload=info,
        )

    @classmethod
    def webhook_reply(cls, *, ok: bool, message: str = "") -> WebhookReply:
        code, msg = ("SUCCESS", "OK") if ok else ("FAIL", (message or "rejected").replace("]]>", ""))
        body = f"<xml><return_code><![CDATA[{code}]]></return_code><return_msg><![CDATA[{msg}]]></return_msg></xml>"
        return WebhookReply(200 if ok else 400, body, content_type="text/xml; charset=utf-8")
