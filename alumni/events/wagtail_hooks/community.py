"""Back-office moderation of what alumni post under events: comments and photos.

One queue for both, scoped like the events themselves: school admins see every event's posts,
chapter officers with back-office access the posts under their subtree's events. Decisions go
through alumni.events.services.community (which re-checks scope, locks the row and audits).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.permissions import has_back_office
from alumni.core.todos import TodoItem, register_todo
from alumni.events.models import Comment, Photo
from alumni.events.selectors.community import (
    moderated_events,
    moderation_pending_count,
    moderation_queue,
    recently_moderated,
)
from alumni.events.services.community import comment_moderate, photo_moderate

register_audit_actions(
    {
        "events.comment_approve": _("通过活动讨论"),
        "events.comment_reject": _("拒绝活动讨论"),
        "events.photo_approve": _("通过活动照片"),
        "events.photo_reject": _("拒绝活动照片"),
    }
)

KINDS = {"comment": (Comment, comment_moderate), "photo": (Photo, photo_moderate)}


def _is_moderator(user) -> bool:
    return has_back_office(user) and moderated_events(user).exists()


def _moderator_required(view):
    def wrapped(request, *args, **kwargs):
        if not _is_moderator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@_moderator_required
def queue_view(request):
    user = request.user
    return TemplateResponse(
        request,
        "events/admin/moderation.html",
        {
            "page_title": _("活动讨论与照片审核"),
            "header_icon": "comment",
            "comments": moderation_queue(Comment, user)[:100],
            "photos": moderation_queue(Photo, user)[:100],
            "recent_comments": recently_moderated(Comment, user),
            "recent_photos": recently_moderated(Photo, user),
        },
    )


@require_POST
@_moderator_required
def decide_view(request, kind: str, pk: int, decision: str):
    if kind not in KINDS or decision not in ("approve", "reject"):
        raise PermissionDenied
    model, moderate = KINDS[kind]
    item = get_object_or_404(model.objects.select_related("event", "person"), pk=pk)
    approve = decision == "approve"
    try:
        moderate(**{kind: item}, actor=request.user, approve=approve, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已通过") if approve else _("已拒绝，已通知发布者"))
    return redirect("events_moderation")


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [
        path("events/moderation/", queue_view, name="events_moderation"),
        path(
            "events/moderation/<str:kind>/<int:pk>/<str:decision>/",
            decide_view,
            name="events_moderation_decide",
        ),
    ]


class ModeratorMenuItem(MenuItem):
    def is_shown(self, request):
        return _is_moderator(request.user)


# An item of the 活动管理 submenu (wagtail_hooks/events.py defines it).
@hooks.register("register_events_menu_item")
def register_moderation_menu_item():
    return ModeratorMenuItem(
        _("讨论与照片审核"), reverse("events_moderation"), icon_name="comment", order=300
    )


@register_todo
def pending_event_posts(request) -> list[TodoItem]:
    """活动讨论与照片待审核, for those who moderate them."""
    if not has_back_office(request.user):
        return []
    return [
        TodoItem(
            label=str(_("待审核的活动讨论与照片")),
            count=moderation_pending_count(request.user),
            url=reverse("events_moderation"),
            priority=55,
        )
    ]
