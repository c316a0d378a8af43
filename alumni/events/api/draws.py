"""Lottery draws over the API: the public record of each round (for the verification page and
anyone re-running the draw), the eligible list as text, and the staff-only big-screen feed and
run action.

Rounds are visible to whoever may see the event; before a round is drawn only its commitment
(``seed_hash``) is shown, afterwards the seed, the eligible list's digest and count, and the
winners (names masked). The big-screen feed shows full names and runs rounds, so it needs a
manager of the event (``event_not_allowed`` otherwise).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alumni.accounts.api.views import API_AUTHENTICATION
from alumni.events.errors import EventNotAllowed, NotFound
from alumni.events.models import Draw, Event
from alumni.events.selectors.draws import (
    draw_eligible_count,
    draw_for,
    draw_public,
    draw_screen_names,
    draw_winners_rows,
    draws_of_event,
    event_for_draws,
)
from alumni.events.selectors.events import can_manage_event
from alumni.events.services.draws import draw_run

DRAW_SCHEMA = inline_serializer(
    "DrawPublic",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "prize": serializers.CharField(),
        "winners_count": serializers.IntegerField(),
        "eligibility": serializers.CharField(),
        "status": serializers.CharField(),
        "seed_hash": serializers.CharField(),
        "seed": serializers.CharField(allow_null=True),
        "eligible_count": serializers.IntegerField(allow_null=True),
        "eligible_digest": serializers.CharField(allow_null=True),
        "winners": serializers.ListField(child=serializers.DictField()),
    },
)

DRAW_LIST_SCHEMA = inline_serializer(
    "DrawList", {"draws": serializers.ListField(child=serializers.DictField())}
)


class DrawListView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["events"],
        summary="活动的抽奖轮次（公开记录）",
        operation_id="events_draws_list",
        responses={200: DRAW_LIST_SCHEMA},
    )
    def get(self, request, public_id: str):
        event = event_for_draws(request.user, public_id)
        return Response({"draws": [draw_public(d) for d in draws_of_event(event)]})


class DrawDetailView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [AllowAny]

    @extend_schema(tags=["events"], summary="一轮抽奖的公开记录（供验证）", responses={200: DRAW_SCHEMA})
    def get(self, request, public_id: str, draw_id: int):
        return Response(draw_public(draw_for(request.user, public_id, draw_id)))


def draw_eligible_text(request, public_id: str, draw_id: int):
    """The frozen eligible list, one draw number per line (the input of docs/lottery_verify.py)."""
    try:
        draw = draw_for(request.user, public_id, draw_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if draw.status != Draw.Status.DRAWN:
        raise Http404("尚未开奖")
    response = HttpResponse(draw.eligible_entries + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="eligible-{public_id}-{draw.pk}.txt"'
    return response


def _require_manager(user, event: Event) -> None:
    if not can_manage_event(user, event):
        raise EventNotAllowed()


class DrawScreenView(APIView):
    """The projector's feed: every round with full winner names, and names to roll for the next."""

    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["events"], summary="抽奖大屏数据（工作人员）", responses={200: dict})
    def get(self, request, public_id: str):
        event = event_for_draws(request.user, public_id)
        _require_manager(request.user, event)
        rounds, rolling = [], []
        for draw in draws_of_event(event):
            data = draw_public(draw)
            if draw.status == Draw.Status.DRAWN:
                data["winners"] = draw_winners_rows(draw)
            else:
                data["eligible_now"] = draw_eligible_count(draw)
                if not rolling and request.query_params.get("names"):
                    # Sampling names sorts the whole eligible set; the screen asks once per round.
                    rolling = draw_screen_names(draw)
            rounds.append(data)
        return Response({"event": event.title, "draws": rounds, "rolling_names": rolling})


class DrawRunView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["events"], summary="开奖（每轮只能一次）", request=None, responses={200: DRAW_SCHEMA}
    )
    def post(self, request, public_id: str, draw_id: int):
        draw = draw_for(request.user, public_id, draw_id)
        _require_manager(request.user, draw.event)
        draw = draw_run(draw=draw, actor=request.user)
        data = draw_public(draw)
        data["winners"] = draw_winners_rows(draw)
        return Response(data)


urlpatterns = [
    path("events/<str:public_id>/draws/", DrawListView.as_view(), name="events_api_draws"),
    path("events/<str:public_id>/draws/screen/", DrawScreenView.as_view(), name="events_api_draw_screen"),
    path("events/<str:public_id>/draws/<int:draw_id>/", DrawDetailView.as_view(), name="events_api_draw"),
    path(
        "events/<str:public_id>/draws/<int:draw_id>/eligible.txt",
        draw_eligible_text,
        name="events_api_draw_eligible",
    ),
    path(
        "events/<str:public_id>/draws/<int:draw_id>/run/", DrawRunView.as_view(), name="events_api_draw_run"
    ),
]
