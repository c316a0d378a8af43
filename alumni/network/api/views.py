"""Alumni-side network API: browse and search organizations, an organization (with its recent
activity), apply, mine, recommendations, and applications to found a club with their review.

Browsing is open to anyone on the school's host; applying, "mine" and recommendations need an
account linked to an alumni record (``code=account_not_linked`` otherwise); founding a club needs
a verified one (``alumnus_not_verified``); reviewing is for school admins and officers of the
head association (``network_forbidden`` otherwise).
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
    ClubApplicationReviewSerializer,
    ClubApplicationSerializer,
    ClubApplySerializer,
    MyOrganizationSerializer,
    OrganizationPageSerializer,
    OrganizationSerializer,
    RecommendationSerializer,
    RejectSerializer,
)
from alumni.network.errors import AccountNotLinked, ClubApplicationNotFound, NotAllowed, OrganizationNotFound
from alumni.network.models import ClubApplication, JoinRequest, Organization, OrgType
from alumni.network.permissions import can_manage, person_of
from alumni.network.selectors import (
    browse_filters,
    browse_queryset,
    club_applications_of,
    club_applications_pending,
    head_association,
    my_organizations,
    org_activities,
    org_state,
    organization_leaders,
    recommended_organizations,
    subtree_member_counts,
)
from alumni.network.services import (
    club_application_approve,
    club_application_reject,
    club_application_submit,
    join_request_submit,
)

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
        responses={200: OrganizationPageSerializer, 404: _error("组织不存在或已停用")},
    )
    def get(self, request, pk: int):
        org = _org(pk)
        org.member_count = subtree_member_counts([org]).get(org.pk, 0)
        org.leaders = organization_leaders(org)
        person = person_of(request.user) if request.user.is_authenticated else None
        org.my_status = org_state(person, org)
        org.recent_activity = org_activities(org)
        return Response(OrganizationPageSerializer(org).data)


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


class RecommendedOrganizationsView(NetworkAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="为你推荐的校友组织",
        description="按学历所在学院、所在城市、所在行业推荐尚未加入（也未在审核中）的校友会，附推荐理由。",
        responses={
            200: RecommendationSerializer(many=True),
            401: _error("未登录"),
            403: _error("账号未关联校友档案（account_not_linked）"),
        },
    )
    def get(self, request):
        items = recommended_organizations(_linked_person(request))
        return Response(RecommendationSerializer(items, many=True).data)


class ClubApplicationsView(NetworkAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="我的创建俱乐部申请",
        responses={
            200: ClubApplicationSerializer(many=True),
            401: _error("未登录"),
            403: _error("账号未关联校友档案（account_not_linked）"),
        },
    )
    def get(self, request):
        applications = club_applications_of(_linked_person(request))
        return Response(ClubApplicationSerializer(applications, many=True).data)

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="申请创建俱乐部",
        description="上级组织默认为校友总会，也可以是申请人所在的校友会；由校友总会审核。",
        request=ClubApplySerializer,
        responses={
            201: ClubApplicationSerializer,
            400: _error("申请填写不完整或上级组织不可选"),
            401: _error("未登录"),
            403: _error("账号未关联校友档案（account_not_linked）或未认证（alumnus_not_verified）"),
            409: _error("同名申请审核中（club_application_pending）或名称已被使用（club_name_taken）"),
        },
    )
    def post(self, request):
        person = _linked_person(request)
        serializer = ClubApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = None
        if data["parent_id"] is not None:
            # A parent the applicant may not choose is refused by the service, never looked past.
            parent = Organization.objects.filter(pk=data["parent_id"]).first() or Organization(pk=0)
        application = club_application_submit(
            person=person,
            name=data["name"],
            purpose=data["purpose"],
            introduction=data["introduction"],
            parent=parent,
            city=data["city"],
            actor=request.user,
        )
        return Response(ClubApplicationSerializer(application).data, status=201)


def _require_reviewer(request) -> None:
    if not can_manage(request.user, head_association()):
        raise NotAllowed("只有学校管理员或校友总会负责人可以审核创建俱乐部申请")


def _application(pk: int) -> ClubApplication:
    application = ClubApplication.objects.select_related("applicant", "parent").filter(pk=pk).first()
    if application is None:
        raise ClubApplicationNotFound()
    return application


class ClubApplicationsPendingView(NetworkAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="待审核的创建俱乐部申请（校友总会）",
        responses={
            200: ClubApplicationReviewSerializer(many=True),
            401: _error("未登录"),
            403: _error("不是学校管理员或校友总会负责人（network_forbidden）"),
        },
    )
    def get(self, request):
        _require_reviewer(request)
        return Response(ClubApplicationReviewSerializer(club_applications_pending(), many=True).data)


class ClubApplicationApproveView(NetworkAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="通过创建俱乐部申请",
        description="在申请的上级组织下创建俱乐部，申请人任会长，并通知申请人。",
        request=None,
        responses={
            200: ClubApplicationReviewSerializer,
            401: _error("未登录"),
            403: _error("没有审核权限（network_forbidden）"),
            404: _error("申请不存在"),
            409: _error("申请已被处理（club_application_decided）"),
        },
    )
    def post(self, request, pk: int):
        _require_reviewer(request)
        application = club_application_approve(application=_application(pk), actor=request.user)
        return Response(ClubApplicationReviewSerializer(application).data)


class ClubApplicationRejectView(NetworkAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["network"],
        summary="拒绝创建俱乐部申请",
        request=RejectSerializer,
        responses={
            200: ClubApplicationReviewSerializer,
            400: _error("请填写拒绝理由"),
            401: _error("未登录"),
            403: _error("没有审核权限（network_forbidden）"),
            404: _error("申请不存在"),
            409: _error("申请已被处理（club_application_decided）"),
        },
    )
    def post(self, request, pk: int):
        _require_reviewer(request)
        application = club_application_reject(
            application=_application(pk), actor=request.user, reason=str(request.data.get("reason", ""))
        )
        return Response(ClubApplicationReviewSerializer(application).data)
