"""Back-office forms of 支付管理: list filters, refund, reconciliation period, provider credentials.

Amounts are typed in yuan (up to two decimals) and leave the form as integer fen. Credential forms
are write-only: a secret is never rendered back into the page, and a blank one keeps the stored one.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.payments.models import PaymentState, Provider, ProviderAccount
from billing.payments.money import fen_to_yuan, yuan_to_fen
from billing.payments.reconciliation import MAX_DAYS


class YuanField(forms.DecimalField):
    """A yuan amount with at most two decimals, cleaned to integer fen."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
        super().__init__(**kwargs)

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else yuan_to_fen(amount)


class PaymentFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("支付单号、渠道交易号、付款人、商品说明")}),
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *PaymentState.choices]
    )
    provider = forms.ChoiceField(
        label=_("支付渠道"), required=False, choices=[("", _("全部")), *Provider.choices]
    )
    purpose = forms.ChoiceField(label=_("用途"), required=False)
    date_field = forms.ChoiceField(
        label=_("日期按"), required=False, choices=[("created", _("创建时间")), ("paid", _("支付时间"))]
    )
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_min = YuanField(label=_("最小金额（元）"), required=False, min_value=Decimal("0"))
    amount_max = YuanField(label=_("最大金额（元）"), required=False, min_value=Decimal("0"))

    def __init__(self, *args, purposes: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [("", _("全部")), *((p, p) for p in purposes)]

    def filters(self) -> dict:
        """Keyword arguments for selectors.payments_admin_list (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}


class RefundForm(forms.Form):
    amount = YuanField(label=_("退款金额（元）"))
    reason = forms.CharField(label=_("退款原因"), max_length=200)

    def __init__(self, *args, payment, **kwargs):
        kwargs.setdefault("initial", {"amount": fen_to_yuan(payment.refundable_amount)})
        super().__init__(*args, **kwargs)
        self.payment = payment
        self.fields["amount"].help_text = _("最多可退 %(max)s 元") % {
            "max": fen_to_yuan(payment.refundable_amount)
        }

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写退款原因"))
        return reason


class ReconciliationForm(forms.Form):
    provider = forms.ChoiceField(label=_("支付渠道"), choices=Provider.choices, initial=Provider.WECHATPAY)
    date_from = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("截止日期（可选）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("留空则只导出一天"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"date_from": timezone.localdate() - timedelta(days=1)})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and not last:
            data["date_to"] = last = first
        if first and last:
            if last < first:
                self.add_error("date_to", _("截止日期不能早于起始日期"))
            elif (last - first).days >= MAX_DAYS:
                self.add_error("date_to", _("一次最多导出 %(n)s 天") % {"n": MAX_DAYS})
        return data


class SecretInput(forms.PasswordInput):
    """Never renders a value, not even the one just submitted with an error elsewhere."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})}, render_value=False)


class SecretTextarea(forms.Textarea):
    """A PEM box that, like SecretInput, never renders a value back into the page."""

    def format_value(self, value):
        return None


class AccountForm(forms.Form):
    """Base of the credential forms: knows which secrets are already stored (已设置 / 未设置)."""

    provider: str
    secret_fields: tuple[str, ...] = ()
    # Secrets (and plain fields) a school needs before it can switch the provider on.
    required_to_enable: tuple[str, ...] = ()

    enabled = forms.BooleanField(label=_("启用"), required=False)

    def __init__(self, *args, account: ProviderAccount | None, **kwargs):
        initial = {"enabled": bool(account and account.enabled)}
        for name in self.base_fields:
            if name not in self.secret_fields and name != "enabled" and account is not None:
                initial[name] = getattr(account, name)
        kwargs.setdefault("initial", initial)
        kwargs.setdefault("prefix", self.provider)
        super().__init__(*args, **kwargs)
        self.account = account
        self.secret_status = {name: bool(account and getattr(account, name)) for name in self.secret_fields}
        for name in self.secret_fields:
            status = _("已设置") if self.secret_status[name] else _("未设置")
            keep = _("，留空保持不变") if self.secret_status[name] else ""
            self.fields[name].help_text = f"{status}{keep}"

    def clean(self):
        data = super().clean()
        if data.get("enabled"):
            missing = [
                name
                for name in self.required_to_enable
                if not data.get(name) and not (name in self.secret_fields and self.secret_status[name])
            ]
            for name in missing:
                self.add_error(name, _("启用前必须填写"))
        return data

    def values(self) -> dict:
        """Keyword arguments for services.provider_account_update (blank secrets are kept)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "enabled"}


class StripeAccountForm(AccountForm):
    provider = Provider.STRIPE
    secret_fields = ("stripe_secret_key", "stripe_webhook_secret")
    required_to_enable = ("stripe_publishable_key", "stripe_secret_key", "stripe_webhook_secret")

    stripe_publishable_key = forms.CharField(label=_("可公开密钥（pk_…）"), max_length=200, required=False)
    stripe_secret_key = forms.CharField(label=_("密钥（sk_… 或 rk_…）"), required=False, widget=SecretInput)
    stripe_webhook_secret = forms.CharField(
        label=_("Webhook 签名密钥（whsec_…）"), required=False, widget=SecretInput
    )

    def clean_stripe_publishable_key(self):
        value = self.cleaned_data["stripe_publishable_key"].strip()
        if value and not value.startswith("pk_"):
            raise forms.ValidationError(_("可公开密钥以 pk_ 开头"))
        return value

    def clean_stripe_secret_key(self):
        value = self.cleaned_data["stripe_secret_key"].strip()
        if value and not value.startswith(("sk_", "rk_")):
            raise forms.ValidationError(_("密钥以 sk_ 或 rk_ 开头（请勿填写可公开密钥）"))
        return value

    def clean_stripe_webhook_secret(self):
        value = self.cleaned_data["stripe_webhook_secret"].strip()
        if value and not value.startswith("whsec_"):
            raise forms.ValidationError(_("Webhook 签名密钥以 whsec_ 开头"))
        return value


class WechatPayAccountForm(AccountForm):
    provider = Provider.WECHATPAY
    secret_fields = ("wechat_api_key", "wechat_cert_pem", "wechat_key_pem")
    required_to_enable = ("wechat_mch_id", "wechat_api_key")

    wechat_app_id = forms.CharField(label=_("公众号 AppID"), max_length=40, required=False)
    wechat_mini_app_id = forms.CharField(label=_("小程序 AppID"), max_length=40, required=False)
    wechat_mch_id = forms.CharField(label=_("商户号"), max_length=32, required=False)
    wechat_api_key = forms.CharField(label=_("API 密钥（32 位）"), required=False, widget=SecretInput)
    wechat_cert_pem = forms.CharField(
        label=_("API 证书 apiclient_cert.pem（退款用）"),
        required=False,
        widget=SecretTextarea(attrs={"rows": 4, "placeholder": "-----BEGIN CERTIFICATE-----"}),
    )
    wechat_key_pem = forms.CharField(
        label=_("API 证书私钥 apiclient_key.pem（退款用）"),
        required=False,
        widget=SecretTextarea(attrs={"rows": 4, "placeholder": "-----BEGIN PRIVATE KEY-----"}),
    )

    def clean_wechat_mch_id(self):
        value = self.cleaned_data["wechat_mch_id"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError(_("商户号是数字"))
        return value

    def clean_wechat_api_key(self):
        value = self.cleaned_data["wechat_api_key"].strip()
        if value and (len(value) != 32 or not value.isalnum()):
            raise forms.ValidationError(_("API 密钥是 32 位字母或数字"))
        return value

    def _pem(self, name: str, marker: str):
        value = self.cleaned_data[name].strip()
        if value and (f"-----BEGIN {marker}" not in value or "-----END" not in value):
            raise forms.ValidationError(_("请粘贴完整的 PEM 内容（含 BEGIN/END 行）"))
        return value

    def clean_wechat_cert_pem(self):
        return self._pem("wechat_cert_pem", "CERTIFICATE")

    def clean_wechat_key_pem(self):
        return self._pem("wechat_key_pem", "")

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not (data.get("wechat_app_id") or data.get("wechat_mini_app_id")):
            self.add_error("wechat_app_id", _("启用前至少填写公众号或小程序的 AppID"))
        return data


ACCOUNT_FORMS: dict[str, type[AccountForm]] = {
    Provider.STRIPE: StripeAccountForm,
    Provider.WECHATPAY: WechatPayAccountForm,
}
