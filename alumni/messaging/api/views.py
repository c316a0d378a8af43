"""Notices API: the signed-in user's in-app messages (list, unread count, mark read).

Every query is scoped to request.user: another user's notice answers 404, like a missing one.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alumni.accounts.api.serializers import ErrorSerializer
from alumni.accounts.api.views import API_AUTHENTICATION, X_SCHOOL
from alumni.core.errors import NotFound
from alumni.messaging.api.serializers import NoticeSerializer, ReadAllSerializer, UnreadCountSerializer
from alumni.messaging.selectors.logs import notice_unread_count, notices_for_user
from alumni.messaging.services.notices import notice_mark_all_read, notice_mark_read

ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="未登录或 token 无效"),
    404: OpenApiResponse(ErrorSerializer, description="没有这条消息"),
}


class NoticeAPIView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]


@extend_schema(
    tags=["messages"],
    summary="我的消息列表",
    parameters=[
        X_SCHOOL,
        OpenApiParameter("unread", bool, description="只看未读"),
    ],
    responses={200: NoticeSerializer(many=True), 401: ERRORS[401]},
)
class NoticeListView(ListAPIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    serializer_class = NoticeSerializer

    def get_queryset(self):
        notices = notices_for_user(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true", "True"):
            notices = notices.filter(read_at__isnull=True)
        return notices


class UnreadCountView(NoticeAPIView):
    @extend_schema(
        tags=["messages"],
        summary="未读消息数",
        parameters=[X_SCHOOL],
        responses={200: UnreadCountSerializer, 401: ERRORS[401]},
    )
    def get(self, request):
        return Response({"unread": notice_unread_count(request.user)})


class NoticeReadView(NoticeAPIView):
    @extend_schema(
        tags=["messages"],
        summary="标记一条消息为已读",
        parameters=[X_SCHOOL],
        request=None,
        responses={200: NoticeSerializer, 401: ERRORS[401], 404: ERRORS[404]},
    )
    def post(self, request, notice_id: int):
        notice = notice_mark_read(user=request.user, notice_id=notice_id)
        if notice is None:
            raise NotFound("没有这条消息")
        return Response(NoticeSerializer(notice).data)


class NoticeReadAllView(NoticeAPIView):
    @extend_schema(
        tags=["messages"],
        summary="全部标为已读",
        parameters=[X_SCHOOL],
        request=None,
        responses={200: ReadAllSerializer, 401: ERRORS[401]},
    )
    def post(self, request):
        marked = notice_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": notice_unread_count(request.user)})
