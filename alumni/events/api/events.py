"""The alumni side of events for the mini-program (/api/v1/events/…): list and search, an event,
register (and the pay page for paid tickets), my events, my tickets, discussion, photos, favourite.

Reading is open to anyone on the school's host (public events; alumni-only and members-only ones
for the alumni they are meant for); everything else needs an account linked to an alumni record
(``account_not_linked`` otherwise). Events are addressed by their public id, never the row id.
"""

from __future__ import annotations

from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alumni.accounts.api.serializers import ErrorSerializer
from alumni.accounts.api.views import API_AUTHENTICATION, X_SCHOOL
from alumni.events.errors import AccountNotLinked, EventNotVisible, NotFound, ValidationFailed
from alumni.events.models import RegistrationStatus
from alumni.events.selectors.community import event_comments, event_photos
from alumni.events.selectors.listing import (
    WHEN_CHOICES,
    EventFilters,
    event_list,
    event_places_left,
    is_favourite,
    my_favourites,
    my_organized,
    my_registration,
    my_registrations,
    my_tickets,
    ticket_type_rows,
    visible_event,
)
from alumni.events.services.community import comment_post, favourite_set, photo_upload
from alumni.events.services.registrations import (
    registration_cancel,
    registration_pay_url,
    registration_submit,
)
from alumni.network.permissions import person_of

MINE_TABS = ("registered", "organized", "favourites")


# --- serializers ----------------------------------------------------------------------------------


class EventCardSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    cover = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    is_online = serializers.BooleanField()
    city = serializers.CharField()
    place = serializers.CharField()
    organization = serializers.CharField(source="organization.name")
    organization_id = serializers.IntegerField()
    status = serializers.CharField()
    is_pinned = serializers.BooleanField()
    is_recommended = serializers.BooleanField()

    def get_cover(self, event) -> str:
        if not event.cover:
            return ""
        request = self.context.get("request")
        return request.build_absolute_uri(event.cover.url) if request else event.cover.url


class EventTicketTypeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="ticket_type.pk")
    name = serializers.CharField(source="ticket_type.name")
    description = serializers.CharField(source="ticket_type.description")
    price = serializers.IntegerField(source="ticket_type.price", help_text="票价，单位：分")
    currency = serializers.CharField(source="ticket_type.currency")
    places_left = serializers.IntegerField(allow_null=True, help_text="剩余名额；null 表示不限")


class EventTicketSerializer(serializers.Serializer):
    code = serializers.CharField()
    holder_name = serializers.CharField()
    is_guest = serializers.BooleanField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    seat = serializers.CharField(source="seat.label", default="")
    checked_in_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="H5 电子票页面（含二维码）")

    def get_url(self, ticket) -> str:
        return reverse("events:ticket", args=[ticket.code])


class MyEventTicketSerializer(EventTicketSerializer):
    event = EventCardSerializer()
    ticket_type = serializers.CharField(source="registration.ticket_type.name")


class EventRegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    ticket_type = serializers.CharField(source="ticket_type.name")
    heads = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="应付金额，单位：分")
    reject_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class MyEventRegistrationSerializer(EventRegistrationSerializer):
    event = EventCardSerializer()
    tickets = EventTicketSerializer(many=True, source="tickets.all")


class EventDetailSerializer(EventCardSerializer):
    description = serializers.CharField()
    online_url = serializers.SerializerMethodField()
    organizer_name = serializers.CharField()
    organizer_phone = serializers.CharField()
    capacity = serializers.IntegerField(allow_null=True)
    places_left = serializers.IntegerField(allow_null=True)
    waitlist_enabled = serializers.BooleanField()
    requires_approval = serializers.BooleanField()
    guests_allowed = serializers.IntegerField()
    registration_open = serializers.BooleanField(source="registration_open_now")
    registration_opens_at = serializers.DateTimeField(allow_null=True)
    registration_closes_at = serializers.DateTimeField(allow_null=True)
    cancellation_deadline = serializers.DateTimeField(allow_null=True)
    form = serializers.JSONField(help_text='报名表：[{"key","label","type","required","options"}]')
    ticket_types = EventTicketTypeSerializer(many=True, source="ticket_type_rows")
    favourite = serializers.BooleanField()
    my_registration = EventRegistrationSerializer(allow_null=True)
    my_tickets = EventTicketSerializer(many=True)

    def get_online_url(self, event) -> str:
        # The link of an online event is for confirmed registrants only.
        mine = getattr(event, "my_registration", None)
        return event.online_url if mine and mine.status == RegistrationStatus.CONFIRMED else ""


class EventRegisterSerializer(serializers.Serializer):
    ticket_type = serializers.IntegerField()
    guests = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        default=list,
    )
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )
    invitation_code = serializers.CharField(required=False, allow_blank=True, default="")


class EventRegisterResultSerializer(serializers.Serializer):
    registration = EventRegistrationSerializer()
    pay_url = serializers.CharField(help_text="待支付时为支付页地址，否则为空")


class EventCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="person.name")
    text = serializers.CharField()
    status = serializers.CharField(help_text="approved；作者本人还会看到 pending / rejected")
    reject_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class EventCommentInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=1000)


class EventPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="person.name")
    url = serializers.SerializerMethodField()
    caption = serializers.CharField()
    status = serializers.CharField()
    reject_reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_url(self, photo) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(photo.image.url) if request else photo.image.url


class EventPhotoInSerializer(serializers.Serializer):
    image = serializers.ImageField()
    caption = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


EventFavouriteSerializer = inline_serializer("EventFavourite", {"favourite": serializers.BooleanField()})


# --- helpers --------------------------------------------------------------------------------------


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


def _event(request, public_id: str):
    event = visible_event(request.user, public_id)
    if event is None:
        raise EventNotVisible()
    return event


def _linked_person(request):
    person = person_of(request.user)
    if person is None:
        raise AccountNotLinked()
    return person


class Pages(PageNumberPagination):
    page_size = 20
    max_page_size = 50
    page_size_query_param = "page_size"


class EventsAPIView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]


NOT_LINKED = _error("账号未关联校友档案（account_not_linked）")
NO_EVENT = _error("活动不存在或无权查看（event_not_found）")


# --- views ----------------------------------------------------------------------------------------


class EventListView(EventsAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            X_SCHOOL,
            OpenApiParameter("q", str, required=False, description="关键词：名称、介绍、标签、地点、组织者"),
            OpenApiParameter("org", int, required=False, description="主办组织 id（含其下级组织）"),
            OpenApiParameter(
                "organizer", str, required=False, description="组织者（组织名、联系人、发起校友）"
            ),
            OpenApiParameter("tag", str, required=False, description="标签（精确）"),
            OpenApiParameter("place", str, required=False, description="城市或地点"),
            OpenApiParameter("when", str, enum=WHEN_CHOICES, required=False, description="默认 upcoming"),
            OpenApiParameter("page", int, required=False),
        ],
        tags=["events"],
        summary="活动列表与搜索",
        description="置顶、推荐优先，其次是我所在组织（及其下级组织）的活动。",
        responses={200: EventCardSerializer(many=True)},
    )
    def get(self, request):
        paginator = Pages()
        page = paginator.paginate_queryset(
            event_list(request.user, EventFilters.from_params(request.query_params)), request, view=self
        )
        return paginator.get_paginated_response(
            EventCardSerializer(page, many=True, context={"request": request}).data
        )


class EventDetailView(EventsAPIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="活动详情（票种、剩余名额、我的报名与电子票）",
        responses={200: EventDetailSerializer, 404: NO_EVENT},
    )
    def get(self, request, public_id: str):
        event = _event(request, public_id)
        person = person_of(request.user) if request.user.is_authenticated else None
        event.my_registration = my_registration(event, person)
        event.my_tickets = list(event.my_registration.tickets.all()) if event.my_registration else []
        event.ticket_type_rows = ticket_type_rows(event)
        event.places_left = event_places_left(event)
        event.favourite = is_favourite(event, person)
        event.registration_open_now = event.registration_open(timezone.now())
        return Response(EventDetailSerializer(event, context={"request": request}).data)


class RegisterView(EventsAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="报名",
        description=(
            "结果状态：confirmed（报名成功，已出票）、pending_payment（付费票：请打开 pay_url 支付）、"
            "pending_approval（待审核）、waitlisted（候补）。"
        ),
        request=EventRegisterSerializer,
        responses={
            201: EventRegisterResultSerializer,
            400: _error("报名表、同行人或邀请码有误"),
            401: _error("未登录"),
            403: NOT_LINKED,
            404: NO_EVENT,
            409: _error("已报名、已满、不在报名时间内或在黑名单中"),
        },
    )
    def post(self, request, public_id: str):
        event = _event(request, public_id)
        person = _linked_person(request)
        serializer = EventRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ticket_type = event.ticket_types.filter(pk=data["ticket_type"], is_active=True).first()
        if ticket_type is None:
            raise ValidationFailed("请选择可报名的票种", field="ticket_type")
        registration = registration_submit(
            event=event,
            person=person,
            ticket_type=ticket_type,
            guests=data["guests"],
            answers=data["answers"],
            invitation_code=data["invitation_code"],
        )
        pay_url = ""
        if registration.status == RegistrationStatus.PENDING_PAYMENT:
            pay_url = request.build_absolute_uri(registration_pay_url(registration))
        body = {"registration": EventRegistrationSerializer(registration).data, "pay_url": pay_url}
        return Response(body, status=201)


class CancelView(EventsAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="取消我的报名（截止时间前；已付款项原路退回）",
        request=inline_serializer(
            "EventCancel", {"reason": serializers.CharField(required=False, allow_blank=True)}
        ),
        responses={
            200: EventRegistrationSerializer,
            400: _error("已过自行取消的截止时间（cancellation_closed）"),
            403: NOT_LINKED,
            404: _error("活动不存在或没有报名（event_not_found / not_found）"),
            409: _error("该报名已取消或未通过（registration_state）"),
        },
    )
    def post(self, request, public_id: str):
        event = _event(request, public_id)
        registration = my_registration(event, _linked_person(request))
        if registration is None:
            raise NotFound("你没有报名这个活动")
        reason = str(request.data.get("reason", "") or "")[:200]
        registration = registration_cancel(registration=registration, actor=request.user, reason=reason)
        return Response(EventRegistrationSerializer(registration).data)


class MyEventsView(EventsAPIView):
    @extend_schema(
        parameters=[
            X_SCHOOL,
            OpenApiParameter("tab", str, enum=MINE_TABS, required=False, description="默认 registered"),
        ],
        tags=["events"],
        summary="我的活动：报名的（含状态与电子票）、组织的、收藏的",
        description="tab=registered 返回报名记录（含 event 与 tickets）；organized、favourites 返回活动列表。",
        responses={200: MyEventRegistrationSerializer(many=True), 401: _error("未登录"), 403: NOT_LINKED},
    )
    def get(self, request):
        tab = request.query_params.get("tab") or "registered"
        if tab not in MINE_TABS:
            raise ValidationFailed("tab 只能是 registered、organized 或 favourites", field="tab")
        person = person_of(request.user)
        context = {"request": request}
        if tab == "organized":
            return Response(
                EventCardSerializer(my_organized(request.user, person)[:100], many=True, context=context).data
            )
        person = _linked_person(request)
        if tab == "favourites":
            return Response(
                EventCardSerializer(
                    my_favourites(request.user, person)[:100], many=True, context=context
                ).data
            )
        registrations = my_registrations(person).prefetch_related("tickets__seat")[:100]
        return Response(MyEventRegistrationSerializer(registrations, many=True, context=context).data)


class MyTicketsView(EventsAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="我的电子票（票号、状态、座位、活动）",
        responses={200: MyEventTicketSerializer(many=True), 401: _error("未登录"), 403: NOT_LINKED},
    )
    def get(self, request):
        tickets = my_tickets(_linked_person(request))[:200]
        return Response(MyEventTicketSerializer(tickets, many=True, context={"request": request}).data)


class CommentsView(EventsAPIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="活动讨论（已通过的，以及我自己待审核/未通过的）",
        responses={200: EventCommentSerializer(many=True), 404: NO_EVENT},
    )
    def get(self, request, public_id: str):
        event = _event(request, public_id)
        person = person_of(request.user) if request.user.is_authenticated else None
        return Response(EventCommentSerializer(event_comments(event, person)[:100], many=True).data)

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="发表讨论（审核后公开）",
        request=EventCommentInSerializer,
        responses={
            201: EventCommentSerializer,
            400: _error("内容为空或过长（comment_invalid）"),
            403: NOT_LINKED,
            404: NO_EVENT,
            409: _error("待审核内容过多（too_many_pending）"),
        },
    )
    def post(self, request, public_id: str):
        event = _event(request, public_id)
        person = _linked_person(request)
        serializer = EventCommentInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_post(
            event=event, person=person, text=serializer.validated_data["text"], actor=request.user
        )
        return Response(EventCommentSerializer(comment).data, status=201)


class PhotosView(EventsAPIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="活动照片（已通过的，以及我自己待审核/未通过的）",
        responses={200: EventPhotoSerializer(many=True), 404: NO_EVENT},
    )
    def get(self, request, public_id: str):
        event = _event(request, public_id)
        person = person_of(request.user) if request.user.is_authenticated else None
        photos = event_photos(event, person)[:200]
        return Response(EventPhotoSerializer(photos, many=True, context={"request": request}).data)

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="上传活动照片（报名成功者；审核后公开）",
        request={"multipart/form-data": EventPhotoInSerializer},
        responses={
            201: EventPhotoSerializer,
            400: _error("不是图片或超过 10MB（photo_invalid）"),
            403: _error("未报名成功（not_attendee）或账号未关联校友档案"),
            404: NO_EVENT,
        },
    )
    def post(self, request, public_id: str):
        event = _event(request, public_id)
        person = _linked_person(request)
        serializer = EventPhotoInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photo = photo_upload(
            event=event, person=person, image=data["image"], caption=data["caption"], actor=request.user
        )
        return Response(EventPhotoSerializer(photo, context={"request": request}).data, status=201)


class FavouriteView(EventsAPIView):
    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="收藏活动",
        request=None,
        responses={200: EventFavouriteSerializer, 403: NOT_LINKED, 404: NO_EVENT},
    )
    def put(self, request, public_id: str):
        return self._set(request, public_id, True)

    @extend_schema(
        parameters=[X_SCHOOL],
        tags=["events"],
        summary="取消收藏",
        request=None,
        responses={200: EventFavouriteSerializer, 403: NOT_LINKED, 404: NO_EVENT},
    )
    def delete(self, request, public_id: str):
        return self._set(request, public_id, False)

    def _set(self, request, public_id: str, on: bool):
        event = _event(request, public_id)
        person = _linked_person(request)
        return Response({"favourite": favourite_set(event=event, person=person, on=on)})


app_name = "events_alumni_api"
urlpatterns = [
    path("events/", EventListView.as_view(), name="list"),
    path("events/mine/", MyEventsView.as_view(), name="mine"),
    path("events/mine/tickets/", MyTicketsView.as_view(), name="tickets"),
    path("events/<str:public_id>/", EventDetailView.as_view(), name="detail"),
    path("events/<str:public_id>/register/", RegisterView.as_view(), name="register"),
    path("events/<str:public_id>/cancel/", CancelView.as_view(), name="cancel"),
    path("events/<str:public_id>/comments/", CommentsView.as_view(), name="comments"),
    path("events/<str:public_id>/photos/", PhotosView.as_view(), name="photos"),
    path("events/<str:public_id>/favourite/", FavouriteView.as_view(), name="favourite"),
]
