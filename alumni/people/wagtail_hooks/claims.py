"""校友档案 → 认证审核 at /admin/people/claims/: registration claims that did not match exactly
one record. Each shows what the alumnus typed next to the candidate records; the reviewer links
a candidate (or any record found by search), creates a new record from the claim, or rejects it
with a reason the alumnus reads. Decisions are ``alumni.people.services.claims``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from alumni.core.errors import ServiceError
from alumni.people.models import Claim
from alumni.people.selectors.claims import claim_candidates, claim_college_label, claims_pending
from alumni.people.selectors.records import (
    can_view_pii,
    persons_active,
    persons_for_list,
    persons_search,
    phones_display,
)
from alumni.people.services.claims import claim_approve, claim_create_person, claim_reject
from alumni.people.wagtail_hooks.forms import RejectForm
from alumni.people.wagtail_hooks.menu import MENU_HOOK, PeopleMenuItem

# Claim action labels are registered by alumni.people.todos (the claims owner).

PERMISSION = "people.change_claim"
PER_PAGE = 20
SEARCH_LIMIT = 20


def _require(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _with_phones(persons, request):
    full = can_view_pii(request.user)
    for person in persons:
        person.phones_shown = phones_display(person, full=full)
    return persons


def _claim_context(claim: Claim, request) -> dict:
    claim.college_label = claim_college_label(claim)
    claim.candidate_list = _with_phones(claim_candidates(claim), request)
    return claim


def claims_view(request):
    _require(request)
    page = Paginator(claims_pending(), PER_PAGE).get_page(request.GET.get("p"))
    claims = [_claim_context(claim, request) for claim in page.object_list]
    return TemplateResponse(
        request,
        "people/admin/claims.html",
        {"page_title": _("认证审核"), "header_icon": "user", "claims": claims, "page": page},
    )


def claim_view(request, pk: int):
    """One claim, with a search for any other record to link."""
    _require(request)
    claim = get_object_or_404(Claim.objects.select_related("user", "college", "person"), pk=pk)
    query = (request.GET.get("q") or "").strip()
    found = []
    if query and claim.status == Claim.Status.PENDING:
        found = _with_phones(
            list(persons_search(persons_for_list(persons_active()), query)[:SEARCH_LIMIT]), request
        )
    return TemplateResponse(
        request,
        "people/admin/claim.html",
        {
            "page_title": _("认证申请：%(name)s") % {"name": claim.name},
            "header_icon": "user",
            "claim": _claim_context(claim, request),
            "query": query,
            "found": found,
            "reject_form": RejectForm(),
        },
    )


def _decided(request, pk: int, action) -> object:
    _require(request)
    claim = get_object_or_404(Claim, pk=pk)
    try:
        message = action(claim)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("people_claim", pk)
    messages.success(request, message)
    return redirect("people_claims")


@require_POST
def approve_view(request, pk: int):
    def action(claim):
        person = get_object_or_404(persons_active(), pk=request.POST.get("person"))
        claim_approve(claim=claim, person=person, actor=request.user)
        return _("已通过「%(name)s」的认证，关联到档案 %(id)s") % {"name": claim.name, "id": person.public_id}

    return _decided(request, pk, action)


@require_POST
def create_view(request, pk: int):
    def action(claim):
        claim = claim_create_person(claim=claim, actor=request.user)
        return _("已通过「%(name)s」的认证并新建档案") % {"name": claim.name}

    return _decided(request, pk, action)


@require_POST
def reject_view(request, pk: int):
    def action(claim):
        claim_reject(claim=claim, reason=request.POST.get("reason", ""), actor=request.user)
        return _("已驳回「%(name)s」的认证申请") % {"name": claim.name}

    return _decided(request, pk, action)


@hooks.register("register_admin_urls")
def register_claim_urls():
    return [
        path("people/claims/", claims_view, name="people_claims"),
        path("people/claims/<int:pk>/", claim_view, name="people_claim"),
        path("people/claims/<int:pk>/approve/", approve_view, name="people_claim_approve"),
        path("people/claims/<int:pk>/create/", create_view, name="people_claim_create"),
        path("people/claims/<int:pk>/reject/", reject_view, name="people_claim_reject"),
    ]


@hooks.register(MENU_HOOK)
def register_claims_menu_item():
    return PeopleMenuItem(
        _("认证审核"), reverse("people_claims"), icon_name="tasks", order=200, permission=PERMISSION
    )
