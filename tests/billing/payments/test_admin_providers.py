"""支付渠道 settings page: credentials are write-only, changes are audited, the webhook URL is shown."""

from __future__ import annotations

import pytest

from alumni.core.models import AuditEntry
from billing.payments.models import ProviderAccount
from billing.payments.secrets import unseal
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.conftest import inside

pytestmark = pytest.mark.django_db

PROVIDERS = "/admin/payments/providers/"

STRIPE_SECRET = "sk_test_51SecretKeyNeverShownAgain0001"
STRIPE_WEBHOOK = "whsec_NeverShownAgainWebhookSecret0002"
WECHAT_KEY = "K3yK3yK3yK3yK3yK3yK3yK3yK3yK3y32"
CERT = "-----BEGIN CERTIFICATE-----\nMIIDcertBODYneverShownAgain\n-----END CERTIFICATE-----"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIEprivateBODYneverShownAgain\n-----END PRIVATE KEY-----"


def stripe_form(**fields) -> dict:
    data = {
        "provider": "stripe",
        "stripe-enabled": "on",
        "stripe-stripe_publishable_key": "pk_test_public123",
        "stripe-stripe_secret_key": STRIPE_SECRET,
        "stripe-stripe_webhook_secret": STRIPE_WEBHOOK,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def wechat_form(**fields) -> dict:
    data = {
        "provider": "wechatpay",
        "wechatpay-enabled": "on",
        "wechatpay-wechat_app_id": "wx1234567890abcdef",
        "wechatpay-wechat_mini_app_id": "",
        "wechatpay-wechat_mch_id": "1900000109",
        "wechatpay-wechat_api_key": WECHAT_KEY,
        "wechatpay-wechat_cert_pem": CERT,
        "wechatpay-wechat_key_pem": KEY,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def assert_no_secret(page: str) -> None:
    for secret in (STRIPE_SECRET, STRIPE_WEBHOOK, WECHAT_KEY, "MIIDcertBODY", "MIIEprivateBODY"):
        assert secret not in page


def test_page_shows_webhook_urls_and_sandbox_notice(admin_client_a):
    page = admin_client_a.get(PROVIDERS).content.decode()
    assert "http://localhost:8000/pay/webhooks/stripe/alpha/" in page
    assert "http://localhost:8000/pay/webhooks/wechatpay/alpha/" in page
    assert "沙箱" in page and "不会有任何真实资金流动" in page
    assert page.count("未设置") == 5  # two Stripe secrets, three WeChat Pay secrets


def test_save_stripe_secrets_are_sealed_audited_and_never_shown(school_a, admin_a, admin_client_a):
    response = admin_client_a.post(PROVIDERS, stripe_form(), follow=True)
    page = response.content.decode()
    assert "已保存「Stripe」的配置" in page
    assert_no_secret(page)
    assert "pk_test_public123" in page  # not a secret
    with inside(school_a):
        account = ProviderAccount.objects.get(provider="stripe")
        assert account.enabled and account.stripe_publishable_key == "pk_test_public123"
        assert STRIPE_SECRET not in account.stripe_secret_key  # sealed at rest
        assert unseal(account.stripe_secret_key) == STRIPE_SECRET
        entry = AuditEntry.objects.get(action="payments.account_update")
        assert entry.actor_id == admin_a.pk
        assert entry.after["secrets_changed"] == ["stripe_secret_key", "stripe_webhook_secret"]
        assert STRIPE_SECRET not in str(entry.after) and STRIPE_SECRET not in str(entry.before)
    # Stored secrets read 已设置; saving again with the secrets blank keeps them.
    assert page.count("已设置") >= 2
    admin_client_a.post(
        PROVIDERS,
        stripe_form(
            **{"stripe-stripe_secret_key": "", "stripe-stripe_webhook_secret": "", "stripe-enabled": None}
        ),
    )
    with inside(school_a):
        account = ProviderAccount.objects.get(provider="stripe")
        assert not account.enabled and unseal(account.stripe_secret_key) == STRIPE_SECRET
        assert unseal(account.stripe_webhook_secret) == STRIPE_WEBHOOK


def test_invalid_submission_does_not_echo_secrets(school_a, admin_client_a):
    # The API key is fine, the merchant id is not: the page comes back with the error, without the key.
    response = admin_client_a.post(PROVIDERS, wechat_form(**{"wechatpay-wechat_mch_id": "mch-abc"}))
    page = response.content.decode()
    assert response.status_code == 200 and "商户号是数字" in page
    assert_no_secret(page)
    response = admin_client_a.post(PROVIDERS, stripe_form(**{"stripe-stripe_secret_key": "pk_live_wrongbox"}))
    assert "密钥以 sk_ 或 rk_ 开头" in response.content.decode()
    assert_no_secret(response.content.decode())
    with inside(school_a):
        assert not ProviderAccount.objects.exists()
        assert not AuditEntry.objects.filter(action="payments.account_update").exists()


def test_cannot_enable_without_the_secrets(school_a, admin_client_a):
    response = admin_client_a.post(
        PROVIDERS, wechat_form(**{"wechatpay-wechat_api_key": "", "wechatpay-wechat_app_id": ""})
    )
    page = response.content.decode()
    assert "启用前必须填写" in page and "至少填写公众号或小程序的 AppID" in page
    with inside(school_a):
        assert not ProviderAccount.objects.filter(provider="wechatpay").exists()


def test_save_wechat_pay(school_a, admin_client_a):
    response = admin_client_a.post(PROVIDERS, wechat_form(), follow=True)
    page = response.content.decode()
    assert "已保存「微信支付」的配置" in page
    assert_no_secret(page)
    with inside(school_a):
        account = ProviderAccount.objects.get(provider="wechatpay")
        assert account.enabled and account.wechat_mch_id == "1900000109"
        assert unseal(account.wechat_api_key) == WECHAT_KEY and unseal(account.wechat_key_pem) == KEY


def test_schools_keep_their_own_credentials(school_a, school_b, admin_client_a, admin_client_b):
    admin_client_a.post(PROVIDERS, stripe_form())
    page_b = admin_client_b.get(PROVIDERS).content.decode()
    assert "pk_test_public123" not in page_b and page_b.count("未设置") == 5
    assert "/pay/webhooks/stripe/beta/" in page_b
    with inside(school_b):
        assert not ProviderAccount.objects.exists()


def test_unknown_provider_is_404(admin_client_a):
    assert admin_client_a.post(PROVIDERS, {"provider": "paypal"}).status_code == 404
