"""Alumni-side network API: browse and search organizations, an organization, apply, mine.

Browsing is open to anyone on the school's host; applying and "mine" need an account linked to
an alumni record (``code=account_not_linked`` otherwise).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alumni.accounts.api.serializers import ErrorSerializer
from alumni.accounts.api.views import API_AUTHENTICATION, X_SCHOOL
from alumni.network.api.serializers import (
    ApplyResultSerializer,
    ApplySerializer,
    MyOrganizationSerializer,
    OrganizationDetailSerializer,
    OrganizationSerializer,
)
from alumni.network.errors import AccountNotLinked, OrganizationNotFound
from alumni.network.models import JoinRequest, Organization, OrgType
from alumni.network.permissions import person_of
from alumni.network.selectors import (
    browse_filters,
    browse_queryset,
    my_organizations,
    org_state,
    organization_leaders,
    subtree_member_counts,
)
from alumni.network.services import join_request_submit

PAGE_SIZE = 50
NOT_LINKED = "你的账号尚未关联校友档案，请先完成校友认证后再申请加入"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


def _org(pk: int) -> Organization:
    org = Organization.objects.filter(pk=pk, is_active=True).first()
    if org is None:
        raise OrganizationNotFound()
    return org


def _linked_person(request):
    person = person_of(request.user)
    if person is None:
        raise AccountNotLinked(NOT_LINKED)
    return person


class NetworkAPIView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]


class OrganizationListView(NetworkAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            X_SCHOOL,
            OpenApiParameter("type", str, enum=OrgType.values, required=False, description="组织类型"),
            OpenApiParameter("q", str, required=False, description="按名称或城市搜索"),
        ],
        tags=["network"],
        summary="浏览与搜索校友组织",
        responses={200: OrganizationSerializer(many=True)},
    )
    def get(self, request):
        orgs = list(browse_queryset(*browse_filters(request.query_params))[:PAGE_SIZE])
        counts = subtree_member_counts(orgs)
        for org in orgs:
            org.member_count = counts.get(org.pk, 0)
        return Response(OrganizationSerializer(orgs, many=True).data)


class OrganizationDetailView(NetworkAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="校友组织详情",
        responses={200: OrganizationDetailSerializer, 404: _error("组织不存在或已停用")},
    )
    def get(self, request, pk: int):
        org = _org(pk)
        org.member_count = subtree_member_counts([org]).get(org.pk, 0)
        org.leaders = organization_leaders(org)
        person = person_of(request.user) if request.user.is_authenticated else None
        org.my_status = org_state(person, org)
        return Response(OrganizationDetailSerializer(org).data)


class OrganizationApplyView(NetworkAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="申请加入校友组织",
        description="自由加入的组织立即加入（approved）；审核加入的组织进入待审核（pending）。",
        request=ApplySerializer,
        responses={
            201: ApplyResultSerializer,
            400: _error("申请表填写不完整"),
            401: _error("未登录"),
            403: _error("账号未关联校友档案（account_not_linked）"),
            404: _error("组织不存在或已停用"),
            409: _error("已是成员、审核中或仅限邀请"),
        },
    )
    def post(self, request, pk: int):
        org = _org(pk)
        person = _linked_person(request)
        serializer = ApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        join_request = join_request_submit(
            person=person,
            organization=org,
            answers=serializer.validated_data.get("answers"),
            actor=request.user,
        )
        approved = join_request.status == JoinRequest.Status.APPROVED
        data = {"status": join_request.status, "detail": "已加入" if approved else "已提交，等待审核"}
        return Response(ApplyResultSerializer(data).data, status=201)


class MyOrganizationsView(NetworkAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="我的组织",
        responses={
            200: MyOrganizationSerializer(many=True),
            401: _error("未登录"),
            403: _error("账号未关联校友档案（account_not_linked）"),
        },
    )
    def get(self, request):
        return Response(MyOrganizationSerializer(my_organizations(_linked_person(request)), many=True).data)
