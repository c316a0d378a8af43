"""Payments inside a school: one Payment per payable thing, its Refunds, provider events, accounts.

Amounts are integer fen (分) plus an ISO currency code; never floats. A Payment knows what it pays
for only as an opaque reference (``purpose`` like "events.order" and ``purpose_id``), so billing
never imports the apps that sell things; they listen to ``payment_succeeded`` / ``payment_refunded``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    SANDBOX = "sandbox", _("沙箱（演示，不扣款）")
    STRIPE = "stripe", _("Stripe")
    WECHATPAY = "wechatpay", _("微信支付")


class PaymentState(models.TextChoices):
    CREATED = "created", _("已创建")
    PENDING = "pending", _("待支付")
    SUCCEEDED = "succeeded", _("支付成功")
    FAILED = "failed", _("支付失败")
    CANCELLED = "cancelled", _("已取消")
    PARTIALLY_REFUNDED = "partially_refunded", _("部分退款")
    REFUNDED = "refunded", _("已退款")


# A provider's "paid" moves any other state to succeeded: a late success after failed/cancelled
# is real money received, so it is credited too (and shows in reconciliation).
PAID_STATES = (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)


class ProviderAccount(models.Model):
    """A school's credentials for one provider. Secrets are stored encrypted (billing.payments.secrets)."""

    provider = models.CharField(_("支付渠道"), max_length=12, choices=Provider.choices, unique=True)
    enabled = models.BooleanField(_("启用"), default=False)
    # Stripe
    stripe_publishable_key = models.CharField(_("Stripe 可公开密钥"), max_length=200, blank=True)
    stripe_secret_key = models.TextField(_("Stripe 密钥（加密）"), blank=True)
    stripe_webhook_secret = models.TextField(_("Stripe Webhook 签名密钥（加密）"), blank=True)
    # WeChat Pay v2
    wechat_app_id = models.CharField(_("公众号 AppID"), max_length=40, blank=True)
    wechat_mini_app_id = models.CharField(_("小程序 AppID"), max_length=40, blank=True)
    wechat_mch_id = models.CharField(_("商户号"), max_length=32, blank=True)
    wechat_api_key = models.TextField(_("API 密钥（加密）"), blank=True)
    wechat_cert_pem = models.TextField(_("API 证书（加密，退款用）"), blank=True)
    wechat_key_pem = models.TextField(_("API 证书私钥（加密，退款用）"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("支付渠道配置")
        verbose_name_plural = _("支付渠道配置")

    def __str__(self) -> str:
        return self.get_provider_display()


class Payment(models.Model):
    public_id = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    # Our order number at the provider (Stripe metadata, WeChat out_trade_no): ≤ 32 chars, unique.
    reference = models.CharField(_("支付单号"), max_length=32, unique=True)
    purpose = models.CharField(_("用途"), max_length=40, db_index=True)
    purpose_id = models.CharField(_("用途对象"), max_length=64)
    subject = models.CharField(_("商品说明"), max_length=120)
    amount = models.PositiveBigIntegerField(_("金额（分）"))
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    # Chosen by the payer on the pay page (payment_start); blank until then.
    provider = models.CharField(_("支付渠道"), max_length=12, choices=Provider.choices, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=PaymentState.choices, default=PaymentState.CREATED, db_index=True
    )
    # The caller's idempotency key: asking twice for the same purchase returns the same Payment.
    idempotency_key = models.CharField(_("幂等键"), max_length=80, unique=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("付款人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    payer_name = models.CharField(_("付款人姓名"), max_length=80, blank=True)
    provider_ref = models.CharField(_("渠道交易号"), max_length=100, blank=True, db_index=True)
    # What the client needs to pay (checkout URL, JSAPI parameters …), from the provider.
    action = models.JSONField(_("支付参数"), default=dict, blank=True)
    metadata = models.JSONField(_("附加信息"), default=dict, blank=True)
    return_url = models.CharField(_("支付后返回地址"), max_length=300, blank=True)
    paid_amount = models.PositiveBigIntegerField(_("实付金额（分）"), default=0)
    refunded_amount = models.PositiveBigIntegerField(_("已退金额（分）"), default=0)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    succeeded_at = models.DateTimeField(_("支付时间"), null=True, blank=True, db_index=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_checked_at = models.DateTimeField(_("上次查单时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("支付")
        verbose_name_plural = _("支付")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["purpose", "purpose_id"], name="payments_purpose")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_positive"),
            # The database's backstop for "a refund cannot exceed what was paid".
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("paid_amount")), name="payments_refund_within_paid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def refundable_amount(self) -> int:
        return self.paid_amount - self.refunded_amount

    @property
    def is_paid(self) -> bool:
        return self.state in PAID_STATES


class Refund(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("退款中")
        SUCCEEDED = "succeeded", _("已退款")
        FAILED = "failed", _("退款失败")

    payment = models.ForeignKey(
        Payment, verbose_name=_("支付"), on_delete=models.PROTECT, related_name="refunds"
    )
    reference = models.CharField(_("退款单号"), max_length=32, unique=True)
    amount = models.PositiveBigIntegerField(_("退款金额（分）"))
    reason = models.CharField(_("退款原因"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    provider_ref = models.CharField(_("渠道退款号"), max_length=100, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive")]

    def __str__(self) -> str:
        return f"{self.reference} −{self.amount}"


class ProviderEvent(models.Model):
    """Every webhook/notify we accepted, once: the unique (provider, event_id) is the dedupe."""

    provider = models.CharField(_("支付渠道"), max_length=12, choices=Provider.choices)
    event_id = models.CharField(_("事件号"), max_length=120)
    type = models.CharField(_("事件类型"), max_length=60)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("支付"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    payload = models.JSONField(_("内容"), default=dict)
    outcome = models.CharField(_("处理结果"), max_length=120, blank=True)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta:
        verbose_name = _("渠道通知")
        verbose_name_plural = _("渠道通知")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="payments_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class PaymentTransition(models.Model):
    """The payment's history: every state change with what caused it (webhook, query, admin …)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=PaymentState.choices)
    to_state = models.CharField(max_length=20, choices=PaymentState.choices)
    source = models.CharField(_("来源"), max_length=40)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state} ({self.source})"
