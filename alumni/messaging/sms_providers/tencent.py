"""Tencent Cloud SMS (API 2021-01-11, action SendSms), signed with TC3-HMAC-SHA256.

Signing follows Tencent Cloud's "Signature v3": the canonical request (method, ``/``, empty
query, ``content-type`` and ``host`` headers, SHA-256 of the JSON body) is hashed into the
string to sign ``TC3-HMAC-SHA256\\n<timestamp>\\n<date>/<service>/tc3_request\\n<hash>``; the key
is derived as HMAC chains ``"TC3"+SecretKey`` → date → service → ``tc3_request``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from django.conf import settings

from alumni.messaging.sms_providers.base import SmsProvider, SmsRejected, SmsSent, SmsTransient

SERVICE = "sms"
API_VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
ALGORITHM = "TC3-HMAC-SHA256"

ERROR_MESSAGES = {
    "FailedOperation.TemplateIncorrectOrUnapproved": "短信模板不存在或未审核通过",
    "FailedOperation.SignatureIncorrectOrUnapproved": "短信签名不存在或未审核通过",
    "FailedOperation.InsufficientBalanceInSmsPackage": "腾讯云短信套餐包余量不足",
    "FailedOperation.PhoneNumberInBlacklist": "该手机号在黑名单中（用户曾退订）",
    "InvalidParameterValue.IncorrectPhoneNumber": "手机号格式不正确",
    "LimitExceeded.PhoneNumberDailyLimit": "该手机号今日接收短信已达上限",
    "AuthFailure.SignatureFailure": "SecretKey 不正确（签名不匹配）",
    "AuthFailure.SecretIdNotFound": "SecretId 不存在",
}
TRANSIENT_CODES = {"InternalError", "RequestLimitExceeded", "InternalError.Timeout"}


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    service: str,
    host: str,
    payload: str,
    timestamp: int,
    content_type: str = CONTENT_TYPE,
) -> str:
    """The ``Authorization`` header for a POST of ``payload`` (JSON) to ``host`` at ``timestamp``."""
    hashed_payload = hashlib.sha256(payload.encode()).hexdigest()
    canonical_request = (
        f"POST\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n{hashed_payload}"
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )


def template_params(params: dict) -> list[str]:
    """Tencent templates take positional values: keys "1", "2", … in number order, else as given."""
    keys = list(params)
    if keys and all(str(k).isdigit() for k in keys):
        keys.sort(key=lambda k: int(k))
    return [str(params[k]) for k in keys]


class TencentSms(SmsProvider):
    name = "tencent"

    def send(self, *, phone: str, template: str, params: dict, text: str = "", out_id: str = "") -> SmsSent:
        if not template:
            raise SmsRejected("template_missing", "腾讯云短信必须使用已审核的模板（未设置模板 ID）")
        base = settings.TENCENT_SMS_BASE_URL.rstrip("/") + "/"
        host = urlsplit(base).netloc
        body = {
            "PhoneNumberSet": [f"+86{phone}"],
            "SmsSdkAppId": self.config.app_id,
            "SignName": self.config.sign_name,
            "TemplateId": template,
            "TemplateParamSet": template_params(params),
        }
        if out_id:
            body["SessionContext"] = out_id
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        timestamp = int(time.time())
        headers = {
            "Authorization": tc3_authorization(
                secret_id=self.config.access_key_id,
                secret_key=self.config.access_key_secret,
                service=SERVICE,
                host=host,
                payload=payload,
                timestamp=timestamp,
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": API_VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": settings.TENCENT_SMS_REGION,
        }
        try:
            response = requests.post(base, data=payload.encode(), headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SmsTransient(f"腾讯云短信接口无法连接：{exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise SmsTransient(f"腾讯云短信接口返回 HTTP {response.status_code}")
        try:
            answer = response.json()["Response"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SmsTransient(f"腾讯云短信接口返回了无法解析的内容（HTTP {response.status_code}）") from exc
        if "Error" in answer:  # the whole request failed (signature, credentials, parameters)
            code, message = answer["Error"].get("Code", ""), answer["Error"].get("Message", "")
            if code in TRANSIENT_CODES:
                raise SmsTransient(f"{code}: {message}")
            raise SmsRejected(code, ERROR_MESSAGES.get(code, message))
        status = (answer.get("SendStatusSet") or [{}])[0]
        code = status.get("Code", "")
        if code == "Ok":
            return SmsSent(message_id=status.get("SerialNo", ""), raw=answer)
        raise SmsRejected(code or "unknown", ERROR_MESSAGES.get(code, status.get("Message", "")))
