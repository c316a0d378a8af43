"""A STAND-IN for the Aliyun and Tencent Cloud SMS APIs, for tests only.

A threading http.server on 127.0.0.1 (random port) that *verifies the signature of every request*
with its own implementation of each provider's documented algorithm (independent of the code
under test; test_sms_providers checks this implementation against the documented examples too)
and answers in each provider's documented JSON shape:

- ``GET /?Action=SendSms&…&Signature=…``   Aliyun dysmsapi 2017-05-25 (RPC, HMAC-SHA1)
- ``POST /`` with ``Authorization: TC3-HMAC-SHA256 …`` and ``X-TC-Action: SendSms``
  Tencent Cloud SMS 2021-01-11 (TC3-HMAC-SHA256)

Behaviour switches: approved templates per provider, an empty balance, and credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


def aliyun_expected_signature(params: dict[str, str], secret: str) -> str:
    """Aliyun RPC signature v1.0, written from the documentation (not from our provider code)."""
    enc = lambda s: quote(s, safe="~")  # noqa: E731
    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = "GET&%2F&" + enc(query)
    return base64.b64encode(
        hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()


def tencent_expected_signature(
    *, secret_key: str, host: str, content_type: str, payload: bytes, timestamp: int
) -> str:
    """Tencent TC3-HMAC-SHA256 signature, written from the documentation (service "sms")."""
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), date), "sms"), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class SmsStandInState:
    keys: dict[str, str] = field(default_factory=dict)  # AccessKeyId / SecretId -> secret
    approved_templates: set[str] = field(default_factory=set)
    balance_empty: bool = False
    received: list[dict] = field(default_factory=list)  # accepted messages
    rejected: list[dict] = field(default_factory=list)  # requests answered with an error


class SmsStandIn:
    def __init__(self) -> None:
        self.state = SmsStandInState()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def reset(self) -> None:
        with self._lock:
            self.state = SmsStandInState()

    def start(self) -> SmsStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, body: dict, status: int = 200):
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
                with standin._lock:
                    self._reply(*standin._aliyun(params))

            def do_POST(self):
                payload = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with standin._lock:
                    self._reply(*standin._tencent(dict(self.headers), payload))

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- Aliyun ------------------------------------------------------------------------------
    def _aliyun(self, params: dict) -> tuple[dict, int]:
        request_id = str(uuid.uuid4()).upper()

        def error(code: str, message: str, status: int = 200):
            self.state.rejected.append({"provider": "aliyun", "code": code, "params": params})
            return {"RequestId": request_id, "Code": code, "Message": message}, status

        secret = self.state.keys.get(params.get("AccessKeyId", ""))
        if secret is None:
            return error("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404)
        for name in (
            "Action",
            "Format",
            "Version",
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "Timestamp",
        ):
            if not params.get(name):
                return error("MissingParameter", f"{name} is mandatory for this action.", 400)
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return error("InvalidParameter", "SignatureMethod/SignatureVersion", 400)
        if not hmac.compare_digest(params.get("Signature", ""), aliyun_expected_signature(params, secret)):
            return error(
                "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", 400
            )
        if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
            return error(
                "InvalidAction.NotFound", "Specified api is not found, please check your url and method.", 404
            )
        if params.get("TemplateCode") not in self.state.approved_templates:
            return error("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)")
        if self.state.balance_empty:
            return error("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
        biz_id = f"{int(time.time())}^{uuid.uuid4().int % 10**10}"
        self.state.received.append(
            {
                "provider": "aliyun",
                "phone": params["PhoneNumbers"],
                "sign_name": params.get("SignName"),
                "template": params["TemplateCode"],
                "params": json.loads(params.get("TemplateParam") or "{}"),
                "out_id": params.get("OutId", ""),
            }
        )
        return {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}, 200

    # --- Tencent -----------------------------------------------------------------------------
    def _tencent(self, headers: dict, payload: bytes) -> tuple[dict, int]:
        request_id = str(uuid.uuid4())
        headers = {k.lower(): v for k, v in headers.items()}

        def error(code: str, message: str):
            self.state.rejected.append({"provider": "tencent", "code": code})
            return {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}, 200

        auth = headers.get("authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(item.strip().split("=", 1) for item in rest.split(","))
            secret_id, date, service, terminal = parts["Credential"].split("/")
        except ValueError:
            return error("AuthFailure.InvalidAuthorization", "Authorization header is malformed.")
        secret_key = self.state.keys.get(secret_id)
        if secret_key is None:
            return error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        timestamp = int(headers.get("x-tc-timestamp") or 0)
        if abs(time.time() - timestamp) > 300:
            return error("AuthFailure.SignatureExpire", "Signature expired.")
        expected = tencent_expected_signature(
            secret_key=secret_key,
            host=headers.get("host", ""),
            content_type=headers.get("content-type", ""),
            payload=payload,
            timestamp=timestamp,
        )
        if (
            algorithm != "TC3-HMAC-SHA256"
            or service != "sms"
            or terminal != "tc3_request"
            or parts.get("SignedHeaders") != "content-type;host"
            or date != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
            or not hmac.compare_digest(parts.get("Signature", ""), expected)
        ):
            return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
            return error("InvalidAction", "The action is not supported.")
        body = json.loads(payload)
        phone = body["PhoneNumberSet"][0]
        status = {
            "SerialNo": "",
            "PhoneNumber": phone,
            "Fee": 0,
            "SessionContext": body.get("SessionContext", ""),
            "IsoCode": "CN",
        }
        if body.get("TemplateId") not in self.state.approved_templates:
            status.update(
                Code="FailedOperation.TemplateIncorrectOrUnapproved",
                Message="template is not approved or request content does not match the approved template content",
            )
            self.state.rejected.append({"provider": "tencent", "code": status["Code"]})
        elif self.state.balance_empty:
            status.update(
                Code="FailedOperation.InsufficientBalanceInSmsPackage",
                Message="insufficient balance in SMS package",
            )
            self.state.rejected.append({"provider": "tencent", "code": status["Code"]})
        else:
            status.update(
                Code="Ok", Message="send success", Fee=1, SerialNo=f"2019:{uuid.uuid4().int % 10**19}"
            )
            self.state.received.append(
                {
                    "provider": "tencent",
                    "phone": phone,
                    "sign_name": body.get("SignName"),
                    "app_id": body.get("SmsSdkAppId"),
                    "template": body["TemplateId"],
                    "params": body.get("TemplateParamSet", []),
                    "out_id": body.get("SessionContext", ""),
                }
            )
        return {"Response": {"SendStatusSet": [status], "RequestId": request_id}}, 200
