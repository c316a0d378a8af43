"""Shapes of the payments API for the mini-program (amounts are integer fen, never floats)."""

from __future__ import annotations

from rest_framework import serializers

from billing.payments.models import PaymentState, Provider


class PaymentErrorSerializer(serializers.Serializer):
    """Every error the payments API returns."""

    code = serializers.CharField(help_text="稳定的错误代码，例如 payment_not_found、provider_unavailable")
    detail = serializers.CharField(help_text="给用户看的中文说明")


class ProviderOptionSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="渠道代码，发起支付时作为 provider 传入：wechatpay、stripe、sandbox"
    )
    label = serializers.CharField()
    channels = serializers.ListField(
        child=serializers.CharField(),
        help_text="该渠道支持的支付方式：mini（小程序）、jsapi（公众号 H5）、checkout（Stripe 收银台）、sandbox",
    )


class PaymentSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="支付单号")
    subject = serializers.CharField()
    amount = serializers.IntegerField(help_text="金额，单位：分")
    amount_display = serializers.CharField(help_text="展示用金额，如 ¥12.00")
    currency = serializers.CharField()
    state = serializers.ChoiceField(choices=PaymentState.choices)
    state_display = serializers.CharField()
    provider = serializers.CharField(allow_blank=True, help_text="已选的支付渠道（未开始支付时为空）")
    paid = serializers.BooleanField()
    return_url = serializers.CharField(allow_blank=True, help_text="支付成功后返回的业务页面")
    providers = ProviderOptionSerializer(many=True, help_text="本校提供的支付渠道（可以支付时）")


class StartSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=Provider.choices)
    channel = serializers.ChoiceField(
        choices=[("mini", "小程序"), ("sandbox", "沙箱")],
        default="mini",
        help_text="小程序内用 mini（微信支付）；演示环境可用 sandbox",
    )


class ActionSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="mini：用 params 调 wx.requestPayment；sandbox：打开 url 模拟支付")
    params = serializers.DictField(
        required=False,
        help_text="wx.requestPayment 的参数：timeStamp、nonceStr、package、signType、paySign",
    )
    url = serializers.CharField(required=False)


class StartResultSerializer(serializers.Serializer):
    payment = PaymentSerializer()
    action = ActionSerializer()
