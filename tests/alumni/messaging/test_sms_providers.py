"""SMS providers: signatures match the providers' documented examples; real HTTP to a stand-in
that verifies every signature; the console backend writes the outbox."""

# Fixtures imported from core_fixtures are redefined as test parameters on purpose.
# ruff: noqa: F811

from __future__ import annotations

import json

import pytest

from alumni.messaging.sms_providers import SmsConfig, SmsRejected, SmsTransient, provider_for
from alumni.messaging.sms_providers.aliyun import rpc_signature, string_to_sign
from alumni.messaging.sms_providers.tencent import tc3_authorization, template_params
from tests.alumni.messaging.core_fixtures import (  # noqa: F401  (fixtures)
    _fresh_cache,
    outbox_dir,
    sms_standin,
    sms_standin_server,
)
from tests.alumni.messaging.sms_standin import aliyun_expected_signature, tencent_expected_signature

# Aliyun SMS "HTTP 协议及签名" documentation example: AccessKeyId testId, AccessKeySecret
# testSecret, SendSms to 15300000001 with template SMS_71390007 → zJDF+Lrzhj/ThnlvIToysFRq6t4=
ALIYUN_DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
ALIYUN_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D"
    "15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591"
    "%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26"
    "SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26"
    "SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522"
    "%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)
ALIYUN_DOC_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="

# Tencent Cloud API 3.0 "Signature v3" documentation example (CVM DescribeInstances).
TENCENT_DOC = {
    "secret_id": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
    "secret_key": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    "service": "cvm",
    "host": "cvm.tencentcloudapi.com",
    "payload": '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    "timestamp": 1551113065,
}
TENCENT_DOC_AUTHORIZATION = (
    "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
    "SignedHeaders=content-type;host, "
    "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
)

ALIYUN = SmsConfig(
    provider="aliyun",
    access_key_id="LTAI5tTestKeyId",
    access_key_secret="aliyun-secret-123",
    sign_name="阿尔法大学校友会",
    schema="alpha",
)
TENCENT = SmsConfig(
    provider="tencent",
    access_key_id="AKIDtestSecretId",
    access_key_secret="tencent-secret-key",
    sign_name="阿尔法大学校友会",
    app_id="1400006666",
    schema="alpha",
)


def test_aliyun_signature_matches_documented_example():
    assert string_to_sign(ALIYUN_DOC_PARAMS) == ALIYUN_DOC_STRING_TO_SIGN
    assert rpc_signature(ALIYUN_DOC_PARAMS, "testSecret") == ALIYUN_DOC_SIGNATURE
    # The stand-in's independent implementation agrees with the documentation too.
    assert aliyun_expected_signature(ALIYUN_DOC_PARAMS, "testSecret") == ALIYUN_DOC_SIGNATURE


def test_tencent_tc3_authorization_matches_documented_example():
    assert tc3_authorization(**TENCENT_DOC) == TENCENT_DOC_AUTHORIZATION


def test_tencent_standin_verifier_is_the_documented_algorithm():
    # Same documented inputs, service "sms" instead of "cvm": both implementations must agree.
    ours = tc3_authorization(**{**TENCENT_DOC, "service": "sms"}).rsplit("Signature=", 1)[1]
    theirs = tencent_expected_signature(
        secret_key=TENCENT_DOC["secret_key"],
        host=TENCENT_DOC["host"],
        content_type="application/json; charset=utf-8",
        payload=TENCENT_DOC["payload"].encode(),
        timestamp=TENCENT_DOC["timestamp"],
    )
    assert ours == theirs


def test_tencent_template_params_are_positional():
    assert template_params({"2": "b", "1": "a", "10": "j"}) == ["a", "b", "j"]
    assert template_params({"name": "张三", "code": "1234"}) == ["张三", "1234"]


@pytest.fixture
def keys(sms_standin):
    sms_standin.state.keys.update(
        {ALIYUN.access_key_id: ALIYUN.access_key_secret, TENCENT.access_key_id: TENCENT.access_key_secret}
    )
    sms_standin.state.approved_templates.update({"SMS_153055065", "1110"})
    return sms_standin


def test_aliyun_send_reaches_standin_with_valid_signature(keys):
    sent = provider_for(ALIYUN).send(
        phone="13800138000", template="SMS_153055065", params={"name": "张三"}, out_id="42"
    )
    assert sent.message_id
    assert keys.state.received == [
        {
            "provider": "aliyun",
            "phone": "13800138000",
            "sign_name": "阿尔法大学校友会",
            "template": "SMS_153055065",
            "params": {"name": "张三"},
            "out_id": "42",
        }
    ]


def test_aliyun_wrong_secret_is_rejected_by_signature_check(keys):
    bad = SmsConfig(**{**ALIYUN.__dict__, "access_key_secret": "wrong"})
    with pytest.raises(SmsRejected) as exc:
        provider_for(bad).send(phone="13800138000", template="SMS_153055065", params={})
    assert exc.value.code == "SignatureDoesNotMatch"
    assert keys.state.received == []


def test_aliyun_unapproved_template_and_empty_balance(keys):
    with pytest.raises(SmsRejected) as exc:
        provider_for(ALIYUN).send(phone="13800138000", template="SMS_NOT_APPROVED", params={})
    assert exc.value.code == "isv.SMS_TEMPLATE_ILLEGAL"
    assert "未审核" in exc.value.message
    keys.state.balance_empty = True
    with pytest.raises(SmsRejected) as exc:
        provider_for(ALIYUN).send(phone="13800138000", template="SMS_153055065", params={})
    assert exc.value.code == "isv.AMOUNT_NOT_ENOUGH"
    assert keys.state.received == []


def test_tencent_send_reaches_standin_with_valid_signature(keys):
    sent = provider_for(TENCENT).send(
        phone="13800138000", template="1110", params={"1": "张三", "2": "5"}, out_id="7"
    )
    assert sent.message_id.startswith("2019:")
    assert keys.state.received == [
        {
            "provider": "tencent",
            "phone": "+8613800138000",
            "sign_name": "阿尔法大学校友会",
            "app_id": "1400006666",
            "template": "1110",
            "params": ["张三", "5"],
            "out_id": "7",
        }
    ]


def test_tencent_errors(keys):
    bad = SmsConfig(**{**TENCENT.__dict__, "access_key_secret": "wrong"})
    with pytest.raises(SmsRejected) as exc:
        provider_for(bad).send(phone="13800138000", template="1110", params={})
    assert exc.value.code == "AuthFailure.SignatureFailure"
    with pytest.raises(SmsRejected) as exc:
        provider_for(TENCENT).send(phone="13800138000", template="9999", params={})
    assert exc.value.code == "FailedOperation.TemplateIncorrectOrUnapproved"
    keys.state.balance_empty = True
    with pytest.raises(SmsRejected) as exc:
        provider_for(TENCENT).send(phone="13800138000", template="1110", params={})
    assert exc.value.code == "FailedOperation.InsufficientBalanceInSmsPackage"
    assert "余量不足" in exc.value.message
    assert keys.state.received == []


def test_unreachable_provider_is_transient(settings):
    settings.ALIYUN_SMS_BASE_URL = "http://127.0.0.1:9/"  # discard port: nothing listens
    with pytest.raises(SmsTransient):
        provider_for(ALIYUN).send(phone="13800138000", template="SMS_153055065", params={})


def test_console_backend_writes_outbox_and_log(outbox_dir, caplog):
    config = SmsConfig(provider="console", sign_name="阿大校友会", schema="alpha")
    with caplog.at_level("INFO", logger="alumni.messaging.sms"):
        sent = provider_for(config).send(
            phone="13800138000", template="", params={}, text="张三校友，生日快乐！"
        )
    files = list((outbox_dir / "alpha").glob("*.json"))
    assert len(files) == 1
    record = json.loads(files[0].read_text("utf-8"))
    assert record["to"] == "13800138000" and record["text"] == "【阿大校友会】张三校友，生日快乐！"
    assert record["id"] == sent.message_id
    assert "【阿大校友会】张三校友，生日快乐！" in caplog.text
