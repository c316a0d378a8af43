"""Shapes of the account API: input validation and output (serializers never save)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from alumni.accounts import selectors
from alumni.accounts.models import WeChatIdentity


class ErrorSerializer(serializers.Serializer):
    """Every error the API returns."""

    code = serializers.CharField(help_text="稳定的错误代码，例如 login_failed、wechat_unbound")
    detail = serializers.CharField(help_text="给用户看的中文说明")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="表单错误：字段名 → 错误列表",
    )


class WeChatBindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = WeChatIdentity
        fields = ["id", "kind", "app_id", "nickname", "avatar_url", "bound_at"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    is_school_admin = serializers.BooleanField(source="is_staff", read_only=True)
    wechat = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "phone", "email", "is_school_admin", "date_joined", "wechat"]
        read_only_fields = fields

    def get_wechat(self, user) -> list[dict]:
        identities = selectors.wechat_identities_of(user=user)
        return WeChatBindingSerializer(identities, many=True).data


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="之后每个请求带上 `Authorization: Bearer <token>`")
    user = UserSerializer()


class WeChatUnboundSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="固定为 wechat_unbound")
    detail = serializers.CharField()
    bind_ticket = serializers.CharField(help_text="随登录或注册请求提交，即可绑定此微信（10 分钟内有效）")
    expires_in = serializers.IntegerField(help_text="bind_ticket 的有效秒数")


class LoginSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=254, help_text="手机号、邮箱或用户名")
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    bind_ticket = serializers.CharField(
        required=False, allow_blank=True, help_text="小程序登录时拿到的绑定凭证"
    )


class RegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    bind_ticket = serializers.CharField(
        required=False, allow_blank=True, help_text="小程序登录时拿到的绑定凭证"
    )

    def validate(self, attrs):
        check = selectors.account_input_check(
            name=attrs["name"], phone=attrs["phone"], email=attrs["email"], password=attrs["password"]
        )
        if check.problems:
            raise serializers.ValidationError(check.problems)
        return {**attrs, "name": check.name, "phone": check.phone or "", "email": check.email}


class MiniProgramLoginSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=128, help_text="小程序 wx.login() 得到的 code")


class MeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)

    def validate(self, attrs):
        user = self.context["request"].user
        check = selectors.account_input_check(
            name=attrs.get("name"),
            phone=attrs.get("phone"),
            email=attrs.get("email"),
            exclude_user_id=user.pk,
            require_contact=False,
        )
        if check.problems:
            raise serializers.ValidationError(check.problems)
        return attrs


class SchoolSerializer(serializers.Serializer):
    name = serializers.CharField()
    short_name = serializers.CharField()
    subdomain = serializers.CharField()
    logo_url = serializers.CharField(allow_null=True, help_text="校徽图片的完整地址；未上传时为 null")
    home_url = serializers.CharField(help_text="学校校友会 H5 首页")
    primary_color = serializers.CharField()
    wechat_login = serializers.DictField(child=serializers.BooleanField(), help_text="已开通的微信登录方式")
