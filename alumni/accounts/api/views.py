"""Account API: password and mini-program login, registration, logout, my profile, the school."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.db import connection
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from alumni.accounts import selectors, services, wechat
from alumni.accounts.api.serializers import (
    ErrorSerializer,
    LoginSerializer,
    MeUpdateSerializer,
    MiniProgramLoginSerializer,
    RegisterSerializer,
    SchoolSerializer,
    TokenResponseSerializer,
    UserSerializer,
    WeChatUnboundSerializer,
)
from alumni.accounts.errors import LoginFailed, WeChatNotConfigured
from alumni.accounts.models import WeChatIdentity
from alumni.accounts.tickets import BIND_TICKET_MAX_AGE, bind_ticket_make, bind_ticket_read
from alumni.core.api.authentication import BearerTokenAuthentication
from alumni.core.errors import PermissionDenied
from tenants.services import school_url

# Bearer first, so an anonymous call gets 401 with `WWW-Authenticate: Bearer` (not 403).
API_AUTHENTICATION = [BearerTokenAuthentication, SessionAuthentication]

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="输入有误或微信拒绝了登录凭证"),
    401: OpenApiResponse(ErrorSerializer, description="未登录或 token 无效"),
    403: OpenApiResponse(ErrorSerializer, description="没有权限"),
    409: OpenApiResponse(ErrorSerializer, description="微信已绑定其他账号"),
    429: OpenApiResponse(ErrorSerializer, description="请求过于频繁"),
}


# The mini-program calls one host (the platform's) and names its school in this header.
X_SCHOOL = OpenApiParameter(
    "X-School",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="学校子域名（如 alpha）。调用学校自己的域名时不需要；调用平台域名时必填。",
)


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


class AuthRateThrottle(SimpleRateThrottle):
    """Slow down password guessing and code replay: per client IP, per school."""

    scope = "accounts_auth"

    def get_rate(self):
        return getattr(settings, "ACCOUNTS_AUTH_THROTTLE_RATE", "30/min")

    def get_cache_key(self, request, view):
        # The cache key function adds the schema, so schools do not share counters.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonymousAuthView(APIView):
    """Login-type endpoints: no session auth (so no CSRF token needed), throttled."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthRateThrottle]


def _token_response(request, user, status_code=status.HTTP_200_OK) -> Response:
    token = services.auth_token_issue(user=user)
    data = {"token": token.key, "user": UserSerializer(user, context={"request": request}).data}
    return Response(data, status=status_code)


class LoginView(AnonymousAuthView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["auth"],
        summary="账号密码登录",
        request=LoginSerializer,
        responses={200: TokenResponseSerializer, **_errors(400, 403, 409, 429)},
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["identifier"], password=data["password"])
        if user is None:
            raise LoginFailed()
        if data.get("bind_ticket"):
            services.wechat_ticket_bind(ticket=data["bind_ticket"], user=user)
        return _token_response(request, user)


class RegisterView(AnonymousAuthView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["auth"],
        summary="注册（手机号或邮箱 + 密码）",
        request=RegisterSerializer,
        responses={201: TokenResponseSerializer, **_errors(400, 403, 409, 429)},
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        identity_id = None
        if data.get("bind_ticket"):
            identity_id = bind_ticket_read(data["bind_ticket"], schema=connection.schema_name)
        user = services.account_register(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            password=data["password"],
            wechat_identity_id=identity_id,
        )
        return _token_response(request, user, status.HTTP_201_CREATED)


class MiniProgramLoginView(AnonymousAuthView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["auth"],
        summary="小程序登录（code2session）",
        description="已绑定账号的微信返回 token；未绑定时返回 `code=wechat_unbound` 和 `bind_ticket`，"
        "把它随 `auth/login/` 或 `auth/register/` 一起提交即可绑定。",
        request=MiniProgramLoginSerializer,
        responses={
            200: PolymorphicProxySerializer(
                component_name="MiniProgramLoginResult",
                serializers=[TokenResponseSerializer, WeChatUnboundSerializer],
                resource_type_field_name=None,
            ),
            **_errors(400, 403, 429),
        },
    )
    def post(self, request):
        serializer = MiniProgramLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        config = selectors.wechat_settings()
        if not config.miniprogram_ready:
            raise WeChatNotConfigured("本校尚未配置小程序登录")
        profile = wechat.miniprogram_profile(
            app_id=config.miniprogram_app_id,
            secret=config.miniprogram_app_secret,
            code=serializer.validated_data["code"],
        )
        identity = services.wechat_identity_record(
            app_id=config.miniprogram_app_id,
            openid=profile.openid,
            unionid=profile.unionid,
            kind=WeChatIdentity.Kind.MINIPROGRAM,
        )
        if identity.user is not None:
            if not identity.user.is_active:
                raise PermissionDenied("该微信绑定的账号已停用，请联系校友会", code="account_disabled")
            return _token_response(request, identity.user)
        return Response(
            {
                "code": "wechat_unbound",
                "detail": "该微信尚未绑定本校账号，请登录或注册后绑定",
                "bind_ticket": bind_ticket_make(identity_id=identity.pk, schema=connection.schema_name),
                "expires_in": BIND_TICKET_MAX_AGE,
            }
        )


class LogoutView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["auth"],
        summary="退出登录（作废 token）",
        request=None,
        responses={204: None, **_errors(401)},
    )
    def post(self, request):
        services.auth_token_revoke(user=request.user)
        if request.auth is None:  # logged in through the H5 session
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["me"],
        summary="我的账号",
        responses={200: UserSerializer, **_errors(401)},
    )
    def get(self, request):
        return Response(UserSerializer(request.user, context={"request": request}).data)

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["me"],
        summary="修改姓名、手机号或邮箱",
        request=MeUpdateSerializer,
        responses={200: UserSerializer, **_errors(400, 401)},
    )
    def patch(self, request):
        serializer = MeUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = services.account_update(user=request.user, **serializer.validated_data)
        return Response(UserSerializer(user, context={"request": request}).data)


class SchoolView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["school"],
        summary="当前学校的公开信息",
        responses={200: SchoolSerializer},
    )
    def get(self, request):
        school = request.tenant
        config = selectors.wechat_settings()
        data = {
            "name": school.name,
            "short_name": school.short_name,
            "subdomain": school.subdomain,
            "logo_url": request.build_absolute_uri(school.logo.url) if school.logo else None,
            "home_url": school_url(school),
            "primary_color": school.primary_color,
            "wechat_login": {"official": config.official_ready, "miniprogram": config.miniprogram_ready},
        }
        return Response(SchoolSerializer(data).data)
