"""Lottery pages: the public verification page of a round, and the big screen for the projector.

The verification page is open to whoever may see the event; the big screen shows full names and
runs rounds, so only the event's managers open it. Both read from alumni/events/api/draws.py.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from alumni.events.errors import NotFound
from alumni.events.models import Draw
from alumni.events.selectors.draws import draw_for, draw_public, event_for_draws, my_draw_entries
from alumni.events.selectors.events import can_manage_event
from alumni.network.permissions import person_of


def draw_verify_view(request, public_id: str, draw_id: int):
    try:
        draw = draw_for(request.user, public_id, draw_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    data = draw_public(draw)
    return render(
        request,
        "events/draws/verify.html",
        {
            "event": draw.event,
            "draw": draw,
            "data": data,
            "drawn": draw.status == Draw.Status.DRAWN,
            "mine": my_draw_entries(person_of(request.user), draw),
            "eligible_url": reverse("events_api_draw_eligible", args=[public_id, draw.pk]),
            "api_url": reverse("events_api_draw", args=[public_id, draw.pk]),
        },
    )


@login_required
def draw_screen_view(request, public_id: str):
    try:
        event = event_for_draws(request.user, public_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not can_manage_event(request.user, event):
        raise PermissionDenied
    return render(
        request,
        "events/draws/screen.html",
        {
            "event": event,
            "feed_url": reverse("events_api_draw_screen", args=[public_id]),
            "run_url": reverse("events_api_draw_run", args=[public_id, 0]),
        },
    )
