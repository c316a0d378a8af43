"""Errors of school plans, with stable codes (shared shape: billing.errors.BillingError)."""

from __future__ import annotations

from billing.errors import BillingError


class SubscriptionError(BillingError):
    code = "subscription_error"
    default_message = "套餐操作无法完成"


class PlanNotFound(SubscriptionError):
    code = "plan_not_found"
    status = 404
    default_message = "没有这个套餐"


class StripeNotConfigured(SubscriptionError):
    code = "stripe_not_configured"
    status = 409
    default_message = "平台尚未配置 Stripe 在线支付，请联系平台运营人员更换套餐。"


class PlanNotPurchasable(SubscriptionError):
    code = "plan_not_purchasable"
    status = 409
    default_message = "该套餐不能在线订阅，请联系平台运营人员。"


class NoStripeCustomer(SubscriptionError):
    code = "no_stripe_customer"
    status = 409
    default_message = "学校尚未通过在线支付订阅，暂无付款方式和发票可管理。"


class StripeCallFailed(SubscriptionError):
    code = "stripe_failed"
    status = 502
    default_message = "Stripe 暂时无法处理请求，请稍后再试。"


class WebhookRejected(SubscriptionError):
    code = "webhook_rejected"
    default_message = "Stripe 事件签名无效"
