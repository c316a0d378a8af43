"""Alumni API for the mini-program: claim a record, my record, the directory, business cards.

Persons are addressed by public id only. Everything but the college list needs a login; the
directory, person cards and business cards need a verified record (``code=not_verified``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alumni.accounts.api.serializers import ErrorSerializer
from alumni.accounts.api.views import API_AUTHENTICATION, X_SCHOOL
from alumni.people.api.serializers import (
    CardExchangeSerializer,
    CardRequestSerializer,
    CardsSerializer,
    ClaimSerializer,
    ClaimStatusSerializer,
    ClaimSubmitSerializer,
    CollegeSerializer,
    ContactUpdateSerializer,
    DegreeCreateSerializer,
    DegreeSerializer,
    DirectoryPageSerializer,
    DirectoryQuerySerializer,
    FacetsQuerySerializer,
    FacetsSerializer,
    MyRecordSerializer,
    PersonCardSerializer,
    PrivacySerializer,
)
from alumni.people.choices import PRIVACY_DEFAULTS, RecordSource
from alumni.people.errors import CardInvalid, NotVerified, PersonNotFound
from alumni.people.models import College
from alumni.people.selectors import cards as card_selectors
from alumni.people.selectors.claims import claim_latest, verified_person_for_user
from alumni.people.selectors.directory import (
    college_options,
    directory_facets,
    directory_filters_clean,
    directory_person,
    directory_search,
    major_resolve,
)
from alumni.people.selectors.privacy import person_card, person_cards, viewer_for
from alumni.people.services import cards as card_services
from alumni.people.services.claims import claim_submit
from alumni.people.services.records import degree_add, person_set_privacy, person_update

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="输入有误"),
    401: OpenApiResponse(ErrorSerializer, description="未登录或 token 无效"),
    403: OpenApiResponse(ErrorSerializer, description="未完成校友认证（not_verified）或没有权限"),
    404: OpenApiResponse(ErrorSerializer, description="未找到该校友或请求"),
    409: OpenApiResponse(ErrorSerializer, description="与当前状态冲突（重复提交、已认证、重复请求）"),
}


def _errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


class AlumniAPIView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    def verified_person(self, request):
        person = verified_person_for_user(request.user)
        if person is None:
            raise NotVerified()
        return person


def _record(person):
    person.refresh_from_db()
    return MyRecordSerializer(person).data


class CollegeListView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="学院列表（含曾用名）",
        responses={200: CollegeSerializer(many=True), **_errors(401)},
    )
    def get(self, request):
        return Response(CollegeSerializer(college_options(), many=True).data)


class ClaimView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="我的认证状态",
        description="verified 为 true 时已认证；否则 claim 给出最近一次申请：pending 审核中，rejected 附驳回原因。",
        responses={200: ClaimStatusSerializer, **_errors(401)},
    )
    def get(self, request):
        person = verified_person_for_user(request.user)
        latest = claim_latest(request.user)
        return Response(
            {
                "verified": person is not None,
                "person": person.public_id if person else None,
                "claim": ClaimSerializer(latest).data if latest else None,
            }
        )

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="提交校友认证",
        description="与学校档案恰好匹配一条时立即认证（status=approved）；否则进入人工审核（status=pending）。"
        "已有待审核申请时返回 409 claim_pending；已认证返回 409 already_verified。",
        request=ClaimSubmitSerializer,
        responses={201: ClaimSerializer, **_errors(400, 401, 409)},
    )
    def post(self, request):
        serializer = ClaimSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = claim_submit(
            user=request.user, method=serializer.validated_data["method"], **serializer.service_data()
        )
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class MyRecordView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="我的档案",
        responses={200: MyRecordSerializer, **_errors(401, 403)},
    )
    def get(self, request):
        return Response(MyRecordSerializer(self.verified_person(request)).data)

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="修改我的联系方式与工作信息",
        description="只能改联系方式、所在地、单位、职务、行业；其余档案信息由校友会维护。",
        request=ContactUpdateSerializer,
        responses={200: MyRecordSerializer, **_errors(400, 401, 403)},
    )
    def patch(self, request):
        person = self.verified_person(request)
        serializer = ContactUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person_update(person=person, actor=request.user, by_self=True, **serializer.validated_data)
        return Response(_record(person))


class MyPrivacyView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="我的隐私设置",
        responses={200: PrivacySerializer, **_errors(401, 403)},
    )
    def get(self, request):
        person = self.verified_person(request)
        return Response({name: person.visibility_of(name) for name in PRIVACY_DEFAULTS})

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="修改隐私设置（只改提交的字段）",
        request=PrivacySerializer,
        responses={200: PrivacySerializer, **_errors(400, 401, 403)},
    )
    def patch(self, request):
        person = self.verified_person(request)
        serializer = PrivacySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = person_set_privacy(person=person, choices=dict(serializer.validated_data))
        return Response({name: person.visibility_of(name) for name in PRIVACY_DEFAULTS})


class MyDegreesView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["alumni"],
        summary="添加学历（本人填报）",
        request=DegreeCreateSerializer,
        responses={201: DegreeSerializer, **_errors(400, 401, 403)},
    )
    def post(self, request):
        person = self.verified_person(request)
        serializer = DegreeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        college = College.objects.filter(pk=data.pop("college_id", None)).first()
        degree = degree_add(
            person=person,
            actor=request.user,
            source=RecordSource.SELF,
            college=college,
            college_name_raw=college.name if college else "",
            major=major_resolve(college=college, name=data["major_name"]),
            **data,
        )
        return Response(DegreeSerializer(degree).data, status=status.HTTP_201_CREATED)


class DirectoryView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL, DirectoryQuerySerializer],
        tags=["directory"],
        summary="校友录搜索",
        description="仅认证校友可用。按姓名（中文、全拼、首字母）、单位、城市、行业搜索，可叠加院系筛选；"
        "结果按各人的隐私设置裁剪，手机号始终打码。",
        responses={200: DirectoryPageSerializer, **_errors(400, 401, 403)},
    )
    def get(self, request):
        me = self.verified_person(request)
        query = DirectoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        page = directory_search(
            query=data.get("q", ""),
            filters=directory_filters_clean(data),
            offset=data["offset"],
            limit=data["limit"],
        )
        viewer = viewer_for(viewer_person=me, viewer_user=request.user)
        body = {
            "total": page.total,
            "offset": page.offset,
            "limit": page.limit,
            "results": person_cards(page.persons, viewer=viewer),
        }
        return Response(DirectoryPageSerializer(body).data)


class DirectoryFacetsView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL, FacetsQuerySerializer],
        tags=["directory"],
        summary="按院系浏览：学院 → 专业 → 班级 / 入学年份（含人数）",
        responses={200: FacetsSerializer, **_errors(401, 403)},
    )
    def get(self, request):
        self.verified_person(request)
        query = FacetsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        facets = directory_facets(
            college_id=query.validated_data.get("college_id"), major_id=query.validated_data.get("major_id")
        )
        return Response(FacetsSerializer(facets).data)


class PersonCardView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["directory"],
        summary="校友名片（按对方隐私设置）",
        responses={200: PersonCardSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request, public_id: str):
        me = self.verified_person(request)
        person = directory_person(public_id)
        if person is None:
            raise PersonNotFound()
        return Response(
            PersonCardSerializer(person_card(person, viewer_person=me, viewer_user=request.user)).data
        )


def _exchange_row(exchange, other, viewer) -> dict:
    return {
        "person": person_card(
            other, viewer_person=viewer.person, viewer_user=viewer.user, in_list=True, viewer=viewer
        ),
        "status": exchange.status,
        "message": exchange.message,
        "created_at": exchange.created_at,
        "responded_at": exchange.responded_at,
    }


class CardsView(AlumniAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["cards"],
        summary="我的名片：待回应、已发出、已交换",
        responses={200: CardsSerializer, **_errors(401, 403)},
    )
    def get(self, request):
        me = self.verified_person(request)
        viewer = viewer_for(viewer_person=me, viewer_user=request.user)
        body = {
            "received": [
                _exchange_row(e, e.requester, viewer) for e in card_selectors.cards_received_pending(me)
            ],
            "sent": [_exchange_row(e, e.recipient, viewer) for e in card_selectors.cards_sent(me)],
            "partners": person_cards(card_selectors.card_partners(me), viewer=viewer, in_list=False),
        }
        return Response(CardsSerializer(body).data)

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["cards"],
        summary="发起名片交换",
        description="对方若已向你发出请求，则直接交换成功（status=accepted）。向自己发起返回 400 card_invalid，"
        "重复发起返回 409 card_duplicate。",
        request=CardRequestSerializer,
        responses={201: CardExchangeSerializer, **_errors(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        me = self.verified_person(request)
        serializer = CardRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        other = directory_person(serializer.validated_data["public_id"])
        if other is None:
            raise PersonNotFound()
        exchange = card_services.card_request(
            requester=me, recipient=other, message=serializer.validated_data["message"]
        )
        viewer = viewer_for(viewer_person=me, viewer_user=request.user)
        row = _exchange_row(exchange, other, viewer)
        row["person"] = person_card(other, viewer_person=me, viewer_user=request.user, viewer=viewer)
        return Response(CardExchangeSerializer(row).data, status=status.HTTP_201_CREATED)


class CardRespondView(AlumniAPIView):
    accept = True

    def post(self, request, public_id: str):
        me = self.verified_person(request)
        exchange = card_selectors.card_request_from(recipient=me, requester_public_id=public_id)
        if exchange is None:
            raise CardInvalid("该名片请求不存在或已处理", code="card_not_found")
        respond = card_services.card_accept if self.accept else card_services.card_decline
        exchange = respond(exchange=exchange, person=me)
        viewer = viewer_for(viewer_person=me, viewer_user=request.user)
        row = _exchange_row(exchange, exchange.requester, viewer)
        row["person"] = person_card(
            exchange.requester, viewer_person=me, viewer_user=request.user, viewer=viewer
        )
        return Response(CardExchangeSerializer(row).data)


_RESPOND_SCHEMA = dict(
    parameters=[X_SCHOOL],
    tags=["cards"],
    request=None,
    responses={200: CardExchangeSerializer, **_errors(400, 401, 403, 409)},
)


class CardAcceptView(CardRespondView):
    accept = True

    @extend_schema(summary="接受名片交换（public_id 为发起人）", **_RESPOND_SCHEMA)
    def post(self, request, public_id: str):
        return super().post(request, public_id)


class CardDeclineView(CardRespondView):
    accept = False

    @extend_schema(summary="婉拒名片交换（public_id 为发起人）", **_RESPOND_SCHEMA)
    def post(self, request, public_id: str):
        return super().post(request, public_id)
