"""A STAND-IN for api.mch.weixin.qq.com (WeChat Pay API v2), for tests only.

A threading HTTPS server on 127.0.0.1 (random port) with its own test CA. Like WeChat, it
*verifies the sign of every request* with the merchant's API key (MD5 or HMAC-SHA256, written here
from WeChat's documentation, independent of the code under test), answers in WeChat's XML shape
with signed responses, and demands the merchant's API certificate (mutual TLS, certificate CN =
mch_id) on /secapi/ (refunds). Endpoints: pay/unifiedorder, pay/orderquery, pay/closeorder,
secapi/pay/refund, pay/refundquery.

The test side plays the payer and WeChat's notifier: ``pay`` marks an order paid,
``payment_notify`` / ``refund_notify`` build the notifies WeChat would POST (signed with wechatpy's
own signing; refund notifies encrypted with md5(API key) as WeChat does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import xmltodict
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django_tenants.utils import schema_context
from wechatpy.crypto import RefundCrypto
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml

from billing.payments.services import provider_account_update


def documented_sign(fields: dict, key: str) -> str:
    """WeChat Pay v2 sign, from the documentation: sorted non-empty k=v, &key=…, MD5/HMAC, upper."""
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "sign" and fields[k] not in ("", None))
    text += f"&key={key}"
    if fields.get("sign_type") == "HMAC-SHA256":
        return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


# --- a test PKI: the stand-in's server certificate and merchants' API certificates ------------
def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _cert(subject_cn: str, key, issuer_cn: str, issuer_key, *, ca: bool = False, san=None):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


class TestPKI:
    """A CA that signs the stand-in's server certificate and each merchant's API certificate."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._ca_key = _key()
        self._ca = _cert(
            "WeChat Pay stand-in CA", self._ca_key, "WeChat Pay stand-in CA", self._ca_key, ca=True
        )
        self.ca_path = directory / "ca.pem"
        self.ca_path.write_bytes(self._ca.public_bytes(serialization.Encoding.PEM))
        server_key = _key()
        server = _cert(
            "127.0.0.1",
            server_key,
            "WeChat Pay stand-in CA",
            self._ca_key,
            san=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")],
        )
        self.server_cert = directory / "server.pem"
        self.server_key = directory / "server-key.pem"
        self.server_cert.write_bytes(server.public_bytes(serialization.Encoding.PEM))
        self.server_key.write_text(_pem_key(server_key))

    def merchant_certificate(self, mch_id: str) -> tuple[str, str]:
        """(certificate PEM, private key PEM) of a merchant's API certificate (CN = mch_id)."""
        key = _key()
        cert = _cert(mch_id, key, "WeChat Pay stand-in CA", self._ca_key)
        return cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key)


# --- the stand-in -----------------------------------------------------------------------------
@dataclass
class Merchant:
    mch_id: str
    api_key: str
    app_ids: set[str]


@dataclass
class StandInState:
    merchants: dict[str, Merchant] = field(default_factory=dict)
    orders: dict[str, dict] = field(default_factory=dict)  # (mch_id, out_trade_no) key → order
    refunds: dict[str, dict] = field(default_factory=dict)
    received: list[tuple[str, dict]] = field(default_factory=list)  # (endpoint, verified fields)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, reason)
    client_certs: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, certificate CN)
    fail_next: dict[str, tuple[str, str]] = field(default_factory=dict)  # endpoint → (err_code, des)
    # Sign answers with this key instead of the merchant's (something posing as WeChat's API).
    answer_key: str | None = None


class WeChatPayStandIn:
    def __init__(self, pki: TestPKI):
        self.pki = pki
        self.state = StandInState()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}/"

    def reset(self) -> None:
        with self._lock:
            merchants = self.state.merchants
            self.state = StandInState(merchants=merchants)

    def add_merchant(self, mch_id: str, api_key: str, app_ids: set[str]) -> None:
        self.state.merchants[mch_id] = Merchant(mch_id, api_key, set(app_ids))

    def start(self) -> WeChatPayStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                peer = self.connection.getpeercert() or {}
                cn = next((v for rdn in peer.get("subject", ()) for k, v in rdn if k == "commonName"), "")
                with standin._lock:
                    reply = standin._handle(self.path.strip("/"), body, cn)
                data = reply.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.pki.server_cert, self.pki.server_key)
        context.load_verify_locations(self.pki.ca_path)
        context.verify_mode = ssl.CERT_OPTIONAL  # required only on /secapi/, checked per request
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- protocol ---------------------------------------------------------------------------
    def _signed(self, merchant: Merchant, fields: dict) -> str:
        fields = {k: v for k, v in fields.items() if v not in (None, "")}
        fields["nonce_str"] = uuid.uuid4().hex
        return dict_to_xml(fields, documented_sign(fields, self.state.answer_key or merchant.api_key))

    def _handle(self, endpoint: str, body: bytes, client_cn: str) -> str:
        def fail(message: str) -> str:
            self.state.rejected.append((endpoint, message))
            return dict_to_xml({"return_code": "FAIL", "return_msg": message})

        try:
            fields = {k: v or "" for k, v in xmltodict.parse(body)["xml"].items()}
        except Exception:
            return fail("XML格式错误")
        merchant = self.state.merchants.get(fields.get("mch_id", ""))
        if merchant is None:
            return fail("mch_id参数格式错误")
        if fields.get("appid") not in merchant.app_ids:
            return fail("appid和mch_id不匹配")
        if not fields.get("sign") or not hmac.compare_digest(
            fields["sign"], documented_sign(fields, merchant.api_key)
        ):
            return fail("签名错误")
        if endpoint.startswith("secapi/"):
            self.state.client_certs.append((endpoint, client_cn))
            if client_cn != merchant.mch_id:
                return fail("证书错误：请使用商户 API 证书")
        self.state.received.append((endpoint, fields))

        def result(data: dict | None = None, err: tuple[str, str] | None = None) -> str:
            out = {
                "return_code": "SUCCESS",
                "return_msg": "OK",
                "appid": fields["appid"],
                "mch_id": merchant.mch_id,
            }
            if err:
                out.update(result_code="FAIL", err_code=err[0], err_code_des=err[1])
            else:
                out.update(result_code="SUCCESS", **(data or {}))
            return self._signed(merchant, out)

        if endpoint in self.state.fail_next:
            return result(err=self.state.fail_next.pop(endpoint))
        handler = {
            "pay/unifiedorder": self._unifiedorder,
            "pay/orderquery": self._orderquery,
            "pay/closeorder": self._closeorder,
            "secapi/pay/refund": self._refund,
            "pay/refundquery": self._refundquery,
        }.get(endpoint)
        if handler is None:
            return fail("接口不存在")
        data, err = handler(merchant, fields)
        return result(data, err)

    def _unifiedorder(self, merchant, f):
        for name in ("body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url", "trade_type"):
            if not f.get(name):
                return None, ("PARAM_ERROR", f"缺少参数 {name}")
        if f["trade_type"] == "JSAPI" and not f.get("openid"):
            return None, ("PARAM_ERROR", "JSAPI支付必须传openid")
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d%H%M%S")
        if f.get("time_expire") and f["time_expire"] <= now:
            return None, ("INVALID_TIME", "订单已过期")
        key = (merchant.mch_id, f["out_trade_no"])
        order = self.state.orders.get(key)
        same = ("appid", "openid", "total_fee", "body", "fee_type", "attach", "time_expire")
        if order is not None:
            if any(order["request"].get(k) != f.get(k) for k in same):
                return None, ("INVALID_REQUEST", "201 商户订单号重复")
            if order["trade_state"] != "NOTPAY":
                return None, (
                    "ORDERPAID" if order["trade_state"] == "SUCCESS" else "ORDERCLOSED",
                    "订单状态不允许",
                )
        else:
            order = self.state.orders[key] = {
                "request": f,
                "prepay_id": f"wx{uuid.uuid4().hex[:30]}",
                "trade_state": "NOTPAY",
                "transaction_id": "",
                "refunded": 0,
            }
        return {"trade_type": "JSAPI", "prepay_id": order["prepay_id"]}, None

    def _orderquery(self, merchant, f):
        order = self.state.orders.get((merchant.mch_id, f.get("out_trade_no", "")))
        if order is None:
            return None, ("ORDERNOTEXIST", "此交易订单号不存在")
        req = order["request"]
        data = {
            "out_trade_no": req["out_trade_no"],
            "trade_state": order["trade_state"],
            "trade_state_desc": {"CLOSED": "订单已关闭", "NOTPAY": "订单未支付"}.get(
                order["trade_state"], ""
            ),
            "attach": req.get("attach"),
        }
        if order["transaction_id"]:
            data.update(
                transaction_id=order["transaction_id"],
                total_fee=req["total_fee"],
                fee_type=req.get("fee_type") or "CNY",
                openid=req.get("openid"),
                trade_type="JSAPI",
            )
        return data, None

    def _closeorder(self, merchant, f):
        order = self.state.orders.get((merchant.mch_id, f.get("out_trade_no", "")))
        if order is None:
            return None, ("ORDERNOTEXIST", "订单不存在")
        if order["trade_state"] in ("SUCCESS", "REFUND"):
            return None, ("ORDERPAID", "订单已支付，不能发起关单")
        if order["trade_state"] == "CLOSED":
            return None, ("ORDERCLOSED", "订单已关闭")
        order["trade_state"] = "CLOSED"
        return {}, None

    def _refund(self, merchant, f):
        order = self.state.orders.get((merchant.mch_id, f.get("out_trade_no", "")))
        if order is None or order["trade_state"] not in ("SUCCESS", "REFUND"):
            return None, ("ORDERNOTEXIST", "订单不存在或未支付")
        existing = self.state.refunds.get(f.get("out_refund_no", ""))
        if existing is not None:
            return {"refund_id": existing["refund_id"], "out_refund_no": existing["out_refund_no"]}, None
        total, fee = int(f.get("total_fee") or 0), int(f.get("refund_fee") or 0)
        if total != int(order["request"]["total_fee"]):
            return None, ("INVALID_REQUEST", "订单金额与支付金额不一致")
        if fee <= 0 or order["refunded"] + fee > total:
            return None, ("INVALID_REQUEST", "累计退款金额大于支付金额")
        order["refunded"] += fee
        order["trade_state"] = "REFUND"
        refund = {
            "out_refund_no": f["out_refund_no"],
            "out_trade_no": f["out_trade_no"],
            "refund_id": f"5030{uuid.uuid4().int % 10**24:024d}",
            "refund_fee": fee,
            "total_fee": total,
            "status": "PROCESSING",
            "notify_url": f.get("notify_url", ""),
            "appid": f["appid"],
            "mch_id": merchant.mch_id,
            "transaction_id": order["transaction_id"],
        }
        self.state.refunds[refund["out_refund_no"]] = refund
        return {
            "refund_id": refund["refund_id"],
            "out_refund_no": refund["out_refund_no"],
            "out_trade_no": refund["out_trade_no"],
            "refund_fee": fee,
            "total_fee": total,
        }, None

    def _refundquery(self, merchant, f):
        refund = self.state.refunds.get(f.get("out_refund_no", ""))
        if refund is None or refund["mch_id"] != merchant.mch_id:
            return None, ("REFUNDNOTEXIST", "退款订单查询失败")
        return {
            "out_trade_no": refund["out_trade_no"],
            "refund_count": 1,
            "out_refund_no_0": refund["out_refund_no"],
            "refund_id_0": refund["refund_id"],
            "refund_fee_0": refund["refund_fee"],
            "refund_status_0": refund["status"],
        }, None

    # --- the payer and WeChat's notifier ---------------------------------------------------
    def order(self, mch_id: str, out_trade_no: str) -> dict:
        return self.state.orders[(mch_id, out_trade_no)]

    def pay(self, mch_id: str, out_trade_no: str) -> dict:
        """The payer confirms in WeChat: the order becomes SUCCESS with a transaction id."""
        with self._lock:
            order = self.state.orders[(mch_id, out_trade_no)]
            if order["trade_state"] != "NOTPAY":
                raise RuntimeError(f"order is {order['trade_state']}, cannot be paid")
            order["trade_state"] = "SUCCESS"
            order["transaction_id"] = f"4200{uuid.uuid4().int % 10**24:024d}"
            return order

    def payment_notify(
        self,
        mch_id: str,
        out_trade_no: str,
        /,
        *,
        sign_key: str | None = None,
        sign_with: str = "MD5",
        **overrides,
    ) -> bytes:
        """The notify WeChat POSTs to notify_url for a paid order, signed with wechatpy's signing."""
        order = self.state.orders[(mch_id, out_trade_no)]
        req = order["request"]
        fields = {
            "return_code": "SUCCESS",
            "appid": req["appid"],
            "mch_id": mch_id,
            "nonce_str": uuid.uuid4().hex,
            "result_code": "SUCCESS",
            "openid": req["openid"],
            "is_subscribe": "N",
            "trade_type": "JSAPI",
            "bank_type": "OTHERS",
            "total_fee": req["total_fee"],
            "fee_type": req.get("fee_type") or "CNY",
            "cash_fee": req["total_fee"],
            "transaction_id": order["transaction_id"],
            "out_trade_no": out_trade_no,
            "attach": req.get("attach", ""),
            "time_end": dt.datetime.now().strftime("%Y%m%d%H%M%S"),
        }
        if sign_with != "MD5":
            fields["sign_type"] = sign_with
        key = sign_key or self.state.merchants[mch_id].api_key
        signer = calculate_signature_hmac if sign_with == "HMAC-SHA256" else calculate_signature
        signature = signer(fields, key)
        fields.update(overrides)  # applied after signing: a tampered delivery
        return dict_to_xml(fields, signature).encode()

    def signed_notify(self, fields: dict, key: str) -> bytes:
        """Any notify fields, signed with wechatpy's signing and `key`."""
        return dict_to_xml(fields, calculate_signature(fields, key)).encode()

    def settle_refund(self, out_refund_no: str, status: str = "SUCCESS") -> dict:
        with self._lock:
            refund = self.state.refunds[out_refund_no]
            refund["status"] = status
            return refund

    def refund_notify(self, out_refund_no: str, *, status: str = "SUCCESS", key: str | None = None) -> bytes:
        """WeChat's refund notify: the result in req_info, AES-256-ECB with md5(API key)."""
        refund = self.settle_refund(out_refund_no, status)
        info = {
            "transaction_id": refund["transaction_id"],
            "out_trade_no": refund["out_trade_no"],
            "refund_id": refund["refund_id"],
            "out_refund_no": out_refund_no,
            "total_fee": refund["total_fee"],
            "refund_fee": refund["refund_fee"],
            "settlement_refund_fee": refund["refund_fee"],
            "refund_status": status,
            "success_time": dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "refund_recv_accout": "支付用户零钱",
            "refund_account": "REFUND_SOURCE_RECHARGE_FUNDS",
            "refund_request_source": "API",
        }
        plain = "<root>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in info.items()) + "</root>"
        api_key = key or self.state.merchants[refund["mch_id"]].api_key
        md5_key = hashlib.md5(api_key.encode(), usedforsecurity=False).hexdigest().encode()
        req_info = RefundCrypto(md5_key).encrypt(plain).decode()
        fields = {
            "return_code": "SUCCESS",
            "appid": refund["appid"],
            "mch_id": refund["mch_id"],
            "nonce_str": uuid.uuid4().hex,
            "req_info": req_info,
        }
        return dict_to_xml(fields).encode()


# --- pytest fixtures: the stand-in, and both schools configured with their own merchant ---------
@dataclass(frozen=True)
class SchoolMerchant:
    schema: str
    mch_id: str
    api_key: str
    app_id: str
    mini_app_id: str


ALPHA = SchoolMerchant(
    "alpha", "1900000101", "AlphaApiKey0123456789abcdefABCDE", "wxa1a1a1a1a1a1a1a1", "wxa2mini2mini2mini"
)
# Beta has no mini-program: its payers can pay only inside the official account.
BETA = SchoolMerchant("beta", "1900000202", "BetaApiKey9876543210zyxwvZYXWVUT", "wxb1b1b1b1b1b1b1b1", "")


@pytest.fixture(scope="session")
def wechatpay_pki(tmp_path_factory) -> TestPKI:
    return TestPKI(tmp_path_factory.mktemp("wxpay-pki"))


@pytest.fixture(scope="session")
def wechatpay_server(wechatpay_pki):
    server = WeChatPayStandIn(wechatpay_pki).start()
    yield server
    server.stop()


@pytest.fixture
def wechatpay(wechatpay_server, wechatpay_pki, settings, monkeypatch, school_a, school_b) -> WeChatPayStandIn:
    """Both schools take WeChat Pay through their own merchant; the API is the stand-in."""
    wechatpay_server.reset()
    settings.WECHATPAY_API_BASE = wechatpay_server.url
    # The stand-in's certificate comes from the test CA; requests trusts it through this variable.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(wechatpay_pki.ca_path))
    for school, merchant in ((school_a, ALPHA), (school_b, BETA)):
        wechatpay_server.add_merchant(
            merchant.mch_id, merchant.api_key, {merchant.app_id, merchant.mini_app_id} - {""}
        )
        cert_pem, key_pem = wechatpay_pki.merchant_certificate(merchant.mch_id)
        with schema_context(school.schema_name):
            provider_account_update(
                provider="wechatpay",
                actor=None,
                enabled=True,
                wechat_app_id=merchant.app_id,
                wechat_mini_app_id=merchant.mini_app_id,
                wechat_mch_id=merchant.mch_id,
                wechat_api_key=merchant.api_key,
                wechat_cert_pem=cert_pem,
                wechat_key_pem=key_pem,
            )
    return wechatpay_server
