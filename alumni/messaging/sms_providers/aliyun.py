"""Aliyun SMS (dysmsapi, API version 2017-05-25, action SendSms) over its RPC-style HTTP API.

Signing follows Aliyun's "RPC signature" (SignatureVersion 1.0, HMAC-SHA1): sort the parameters,
percent-encode names and values per RFC 3986 (space → %20, ``*`` → %2A, ``~`` kept), join them
into the canonicalised query, build ``GET&%2F&`` + percentEncode(query) and sign it with
``AccessKeySecret + "&"``; the Base64 digest is sent as the ``Signature`` parameter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import requests
from django.conf import settings

from alumni.messaging.sms_providers.base import SmsProvider, SmsRejected, SmsSent, SmsTransient

API_VERSION = "2017-05-25"
REGION = "cn-hangzhou"

# What a school's admin can act on, in their words (everything else shows Aliyun's message).
ERROR_MESSAGES = {
    "isv.SMS_TEMPLATE_ILLEGAL": "短信模板不存在或未审核通过",
    "isv.SMS_SIGNATURE_ILLEGAL": "短信签名不存在或未审核通过",
    "isv.AMOUNT_NOT_ENOUGH": "阿里云账户余额不足",
    "isv.MOBILE_NUMBER_ILLEGAL": "手机号格式不正确",
    "isv.BUSINESS_LIMIT_CONTROL": "该手机号发送过于频繁，已被服务商限流",
    "isv.TEMPLATE_MISSING_PARAMETERS": "短信模板缺少变量",
    "InvalidAccessKeyId.NotFound": "AccessKey ID 不存在",
    "SignatureDoesNotMatch": "AccessKey Secret 不正确（签名不匹配）",
}
TRANSIENT_CODES = {"isp.SYSTEM_ERROR", "Throttling.User", "ServiceUnavailable"}


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun specifies it (unreserved characters A-Z a-z 0-9 - _ . ~ kept)."""
    return quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def string_to_sign(params: dict[str, str], method: str = "GET") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def rpc_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """The Base64 HMAC-SHA1 ``Signature`` of the parameters (``Signature`` itself excluded)."""
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(unsigned, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms(SmsProvider):
    name = "aliyun"

    def request_params(self, *, phone: str, template: str, params: dict, out_id: str = "") -> dict[str, str]:
        query = {
            "AccessKeyId": self.config.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": REGION,
            "SignName": self.config.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        if params:
            query["TemplateParam"] = json.dumps(
                {k: str(v) for k, v in params.items()}, ensure_ascii=False, separators=(",", ":")
            )
        if out_id:
            query["OutId"] = out_id
        query["Signature"] = rpc_signature(query, self.config.access_key_secret)
        return query

    def send(self, *, phone: str, template: str, params: dict, text: str = "", out_id: str = "") -> SmsSent:
        if not template:
            raise SmsRejected("template_missing", "阿里云短信必须使用已审核的模板（未设置模板 CODE）")
        query = self.request_params(phone=phone, template=template, params=params, out_id=out_id)
        url = settings.ALIYUN_SMS_BASE_URL.rstrip("/") + "/?" + canonical_query(query)
        try:
            response = requests.get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SmsTransient(f"阿里云短信接口无法连接：{exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise SmsTransient(f"阿里云短信接口返回 HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise SmsTransient(f"阿里云短信接口返回了无法解析的内容（HTTP {response.status_code}）") from exc
        code = body.get("Code", "")
        if code == "OK":
            return SmsSent(message_id=body.get("BizId", ""), raw=body)
        if code in TRANSIENT_CODES:
            raise SmsTransient(f"{code}: {body.get('Message', '')}")
        raise SmsRejected(
            code or f"HTTP{response.status_code}", ERROR_MESSAGES.get(code, body.get("Message", ""))
        )
