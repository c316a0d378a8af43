"""Invitation API for the mini-program: look at an invitation by its link's secret, accept it.

Anyone holding the secret may look (like the H5 landing page); accepting needs a signed-in user.
An unknown secret answers 404 ``not_found``; a used, expired or revoked one refuses acceptance
with 403 ``invite_invalid`` and a message saying which.
"""

from __future__ import annotations

from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alumni.accounts.api.serializers import ErrorSerializer
from alumni.accounts.api.views import API_AUTHENTICATION, X_SCHOOL
from alumni.core.errors import NotFound
from alumni.messaging.models import InvitationStatus
from alumni.messaging.selectors.invites import invite_by_secret
from alumni.messaging.services.invites import invite_accept, invite_describe, invite_handler


class InvitationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=InvitationStatus.choices, help_text="pending/used/expired/revoked"
    )
    status_label = serializers.CharField()
    purpose = serializers.CharField(help_text="register、chapter_president 等")
    purpose_label = serializers.CharField()
    description = serializers.CharField(help_text="一句话说明邀请做什么")
    name = serializers.CharField(help_text="受邀人姓名")
    inviter = serializers.CharField(help_text="邀请人（校友会工作人员）姓名")
    school = serializers.CharField()
    expires_at = serializers.DateTimeField()
    used_at = serializers.DateTimeField(allow_null=True)
    accepted_by_me = serializers.BooleanField(help_text="当前登录用户是否就是接受者")


class AcceptedSerializer(InvitationSerializer):
    next_url = serializers.CharField(help_text="接受后建议前往的 H5 路径")


def _data(invitation, user) -> dict:
    handler = invite_handler(invitation.purpose)
    return {
        "status": invitation.status,
        "status_label": invitation.get_status_display(),
        "purpose": invitation.purpose,
        "purpose_label": str(handler.label) if handler else invitation.purpose,
        "description": invite_describe(invitation),
        "name": invitation.name,
        "inviter": getattr(invitation.created_by, "name", "") or "",
        "school": getattr(connection.tenant, "name", ""),
        "expires_at": invitation.expires_at,
        "used_at": invitation.used_at,
        "accepted_by_me": bool(user.is_authenticated and invitation.used_by_id == user.pk),
    }


def _found(secret: str):
    invitation = invite_by_secret(secret)
    if invitation is None:
        raise NotFound("邀请链接无效，请检查链接是否完整。")
    return invitation


class InvitationView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["invites"],
        summary="查看邀请",
        parameters=[X_SCHOOL],
        responses={
            200: InvitationSerializer,
            404: OpenApiResponse(ErrorSerializer, description="邀请不存在"),
        },
    )
    def get(self, request, secret: str):
        return Response(InvitationSerializer(_data(_found(secret), request.user)).data)


class InvitationAcceptView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["invites"],
        summary="接受邀请",
        parameters=[X_SCHOOL],
        request=None,
        responses={
            200: AcceptedSerializer,
            401: OpenApiResponse(ErrorSerializer, description="未登录"),
            403: OpenApiResponse(ErrorSerializer, description="邀请已使用、已过期或已撤销（invite_invalid）"),
            404: OpenApiResponse(ErrorSerializer, description="邀请不存在"),
        },
    )
    def post(self, request, secret: str):
        _found(secret)
        invitation = invite_accept(token=secret, user=request.user)
        data = _data(invitation, request.user) | {"next_url": invitation.next_url}
        return Response(AcceptedSerializer(data).data)
