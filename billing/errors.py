"""Errors of billing (payments and school plans): a stable machine code plus a human message.

Same shape as alumni.core.errors.ServiceError (billing sits below alumni and cannot import it);
the API's exception handler renders both as ``{"code": ..., "detail": ...}``.
"""

from __future__ import annotations


class BillingError(Exception):
    code = "billing_error"
    status = 400
    default_message = "支付请求无法完成"

    def __init__(self, message: str | None = None, *, code: str | None = None, field: str | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.field = field
        super().__init__(self.message)


class InvalidAmount(BillingError):
    code = "invalid_amount"
    default_message = "金额必须是大于零的整数（单位：分）"


class PaymentNotFound(BillingError):
    code = "payment_not_found"
    status = 404
    default_message = "支付单不存在"


class PaymentStateConflict(BillingError):
    code = "payment_state"
    status = 409
    default_message = "支付单当前状态不允许此操作"


class IdempotencyConflict(BillingError):
    code = "idempotency_conflict"
    status = 409
    default_message = "同一幂等键已用于金额或用途不同的支付"


class ProviderUnavailable(BillingError):
    code = "provider_unavailable"
    status = 409
    default_message = "学校尚未开通该支付方式"


class ProviderFailed(BillingError):
    code = "provider_failed"
    status = 502
    default_message = "支付渠道暂时无法处理，请稍后再试"


class RefundExceedsPaid(BillingError):
    code = "refund_exceeds_paid"
    default_message = "退款金额超过可退金额"


class PermissionDenied(BillingError):
    code = "permission_denied"
    status = 403
    default_message = "没有权限执行此操作"


class PlanLimitReached(BillingError):
    code = "plan_limit"
    status = 403
    default_message = "已达到当前套餐的上限，请升级套餐"
