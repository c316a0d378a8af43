"""Payments API for the mini-program: see a payment, start it (wx.requestPayment params), sync.

Same visibility as the H5 pages (selectors.payment_for_viewer): the payer, a school admin, or
anyone holding the reference of a payment without payer; everyone else gets 404. The payer's
mini-program openid comes from billing.payments.payer (alumni.accounts registers the resolver).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.payments import views as pay
from billing.payments.api.serializers import (
    PaymentErrorSerializer,
    PaymentSerializer,
    StartResultSerializer,
    StartSerializer,
)
from billing.payments.models import Payment
from billing.payments.selectors import enabled_providers, payment_for_viewer

X_SCHOOL = OpenApiParameter(
    "X-School",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="学校子域名（如 alpha）。调用学校自己的域名时不需要；调用平台域名时必填。",
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(PaymentErrorSerializer, description=description)


def _data(payment: Payment) -> dict:
    providers = []
    if pay.can_start(payment):
        for code in enabled_providers():
            channels = pay.provider_channels(code)
            if channels:
                providers.append(
                    {"code": code, "label": pay.provider_label(code), "channels": list(channels)}
                )
    return PaymentSerializer(
        {
            "reference": payment.reference,
            "subject": payment.subject,
            "amount": payment.amount,
            "amount_display": pay.money(payment.amount, payment.currency),
            "currency": payment.currency,
            "state": payment.state,
            "state_display": payment.get_state_display(),
            "provider": payment.provider,
            "paid": payment.is_paid,
            "return_url": payment.return_url,
            "providers": providers,
        }
    ).data


class PaymentAPIView(APIView):
    # A payment without payer is payable by whoever holds its reference (e.g. a guest ticket).
    permission_classes = [AllowAny]


class PaymentDetailView(PaymentAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["payments"],
        summary="支付单详情",
        description="状态、金额（分）、商品说明，以及可以支付时本校提供的支付渠道。",
        responses={200: PaymentSerializer, 404: _error("支付单不存在，或无权查看")},
    )
    def get(self, request, reference: str):
        return Response(_data(payment_for_viewer(reference, request.user)))


class PaymentStartView(PaymentAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["payments"],
        summary="发起支付",
        description=(
            "在支付渠道开单，返回客户端下一步要做的事：`action.type` 为 `mini` 时，"
            "用 `action.params` 调用 `wx.requestPayment`，完成后调用 sync 或轮询详情。"
            "需要付款人已用小程序登录（openid），否则返回 `openid_required`。"
        ),
        request=StartSerializer,
        responses={
            200: StartResultSerializer,
            400: _error("参数有误"),
            404: _error("支付单不存在，或无权查看"),
            409: _error("已支付或已关闭（payment_state）、渠道未开通（provider_unavailable）、缺少 openid"),
            502: _error("支付渠道暂时无法处理（provider_failed）"),
        },
    )
    def post(self, request, reference: str):
        payment = payment_for_viewer(reference, request.user)
        serializer = StartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        started = pay.start(
            request,
            payment,
            provider=serializer.validated_data["provider"],
            channel=serializer.validated_data["channel"],
        )
        action = dict(started.action or {})
        if action.get("url", "").startswith("/"):
            action["url"] = pay.school_absolute(request, action["url"])
        return Response(StartResultSerializer({"payment": _data(started), "action": action}).data)


class PaymentSyncView(PaymentAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["payments"],
        summary="向支付渠道查单",
        description="支付完成（或取消）后调用：向渠道查询待支付订单并返回最新状态。每单每几秒最多查一次。",
        request=None,
        responses={200: PaymentSerializer, 404: _error("支付单不存在，或无权查看")},
    )
    def post(self, request, reference: str):
        payment = pay.sync_if_due(payment_for_viewer(reference, request.user))
        return Response(_data(payment))
