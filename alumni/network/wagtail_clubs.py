"""Back-office review of applications to found a club (创建俱乐部申请), for school admins and
officers of the head association. Registered by importing this module from wagtail_hooks.py;
every decision goes through alumni.network.services, which check scope and write the audit."""

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

from alumni.core.errors import ServiceError
from alumni.core.todos import TodoItem, register_todo
from alumni.network.models import ClubApplication
from alumni.network.permissions import can_manage
from alumni.network.selectors import club_applications_pending, head_association
from alumni.network.services import club_application_approve, club_application_reject

RECENT = 20


def _is_reviewer(user) -> bool:
    return can_manage(user, head_association())


def _reviewer_required(view):
    def wrapped(request, *args, **kwargs):
        if not _is_reviewer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@_reviewer_required
def review_view(request):
    decided = (
        ClubApplication.objects.exclude(status=ClubApplication.Status.PENDING)
        .select_related("applicant", "parent", "created_club")
        .order_by("-decided_at", "-pk")[:RECENT]
    )
    return TemplateResponse(
        request,
        "network/clubs/review.html",
        {
            "page_title": _("创建俱乐部申请"),
            "header_icon": "group",
            "pending": club_applications_pending(),
            "decided": decided,
        },
    )


def _decide(request, pk: int, action, success: str):
    application = get_object_or_404(ClubApplication.objects.select_related("applicant", "parent"), pk=pk)
    try:
        action(application)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success % {"name": application.name, "person": application.applicant.name})
    return redirect("network_clubs")


@require_POST
@_reviewer_required
def approve_view(request, pk: int):
    return _decide(
        request,
        pk,
        lambda app: club_application_approve(application=app, actor=request.user),
        str(_("已通过%(person)s的申请，俱乐部“%(name)s”已成立")),
    )


@require_POST
@_reviewer_required
def reject_view(request, pk: int):
    return _decide(
        request,
        pk,
        lambda app: club_application_reject(
            application=app, actor=request.user, reason=request.POST.get("reason", "")
        ),
        str(_("已拒绝%(person)s创建“%(name)s”的申请")),
    )


@hooks.register("register_admin_urls")
def register_club_urls():
    return [
        path("network/clubs/", review_view, name="network_clubs"),
        path("network/clubs/<int:pk>/approve/", approve_view, name="network_club_approve"),
        path("network/clubs/<int:pk>/reject/", reject_view, name="network_club_reject"),
    ]


class ReviewerMenuItem(MenuItem):
    def is_shown(self, request):
        return _is_reviewer(request.user)


@hooks.register("register_network_menu_item")
def register_clubs_item():
    return ReviewerMenuItem(_("创建俱乐部申请"), reverse("network_clubs"), icon_name="form", order=250)


@register_todo
def pending_club_applications(request) -> list[TodoItem]:
    """待审核的创建俱乐部申请, for those who may decide them."""
    if not _is_reviewer(request.user):
        return []
    return [
        TodoItem(
            label=str(_("待审核的创建俱乐部申请")),
            count=club_applications_pending().count(),
            url=reverse("network_clubs"),
            priority=65,
        )
    ]
