"""H5 pages for alumni (mounted at /orgs/): browse organizations (with recommendations), an
organization page with its recent activity, apply to join, my organizations, and applications to
found a club. Only accounts linked to an alumni record can apply; founding a club needs a
verified record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from alumni.core.errors import ServiceError
from alumni.network.models import JoinRequest, Organization, OrgType
from alumni.network.permissions import managed_organizations, person_of
from alumni.network.selectors import (
    browse_filters,
    browse_queryset,
    club_applications_of,
    club_parent_choices,
    my_organizations,
    org_activities,
    org_state,
    organization_leaders,
    recommended_organizations,
    subtree_member_counts,
)
from alumni.network.services import club_application_submit, join_request_submit
from alumni.people.choices import Verification

PAGE_SIZE = 30


def _get_org(pk: int) -> Organization:
    org = Organization.objects.filter(pk=pk, is_active=True).first()
    if org is None:
        raise Http404("组织不存在或已停用")
    return org


def browse(request):
    kind, q = browse_filters(request.GET)
    orgs = list(browse_queryset(kind, q)[:PAGE_SIZE])
    counts = subtree_member_counts(orgs)
    rows = [(org, counts.get(org.pk, 0)) for org in orgs]
    person = person_of(request.user)
    # Recommendations head the unfiltered list only: a search shows what was searched for.
    recommendations = recommended_organizations(person) if person and not (kind or q) else []
    return render(
        request,
        "network/h5/browse.html",
        {"rows": rows, "types": OrgType.choices, "kind": kind, "q": q, "recommendations": recommendations},
    )


def detail(request, pk: int):
    org = _get_org(pk)
    person = person_of(request.user) if request.user.is_authenticated else None
    context = {
        "org": org,
        "member_count": subtree_member_counts([org]).get(org.pk, 0),
        "leaders": organization_leaders(org),
        "state": org_state(person, org),
        "linked": person is not None,
        "activities": org_activities(org),
    }
    return render(request, "network/h5/detail.html", context)


@login_required
@require_POST
def apply(request, pk: int):
    org = _get_org(pk)
    person = person_of(request.user)
    if person is None:
        messages.info(request, "请先完成校友认证，再申请加入校友组织。")
        return redirect("people:verify")
    answers = {item["key"]: request.POST.get(f"a_{item['key']}", "") for item in org.join_form}
    try:
        join_request = join_request_submit(
            person=person, organization=org, answers=answers, actor=request.user
        )
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect("network:detail", pk=org.pk)
    if join_request.status == JoinRequest.Status.APPROVED:
        messages.success(request, "已加入")
    else:
        messages.success(request, "已提交，等待审核")
    return redirect("network:detail", pk=org.pk)


@login_required
def mine(request):
    person = person_of(request.user)
    manages = managed_organizations(request.user).filter(is_active=True).exists()
    if person is None:
        context = {"linked": False, "items": [], "manages": manages, "recommendations": []}
    else:
        context = {
            "linked": True,
            "items": my_organizations(person),
            "manages": manages,
            "recommendations": recommended_organizations(person),
        }
    return render(request, "network/h5/mine.html", context)


def _is_verified(person) -> bool:
    return bool(person and person.verification == Verification.VERIFIED and not person.merged_into_id)


@login_required
def club_apply(request):
    person = person_of(request.user)
    verified = _is_verified(person)
    parents = club_parent_choices(person) if verified else []
    values = {"name": "", "introduction": "", "purpose": "", "city": "", "parent": ""}
    error_field = ""
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in values}
        # Any id is passed on: the service refuses a parent the applicant may not choose.
        parent = (
            Organization.objects.filter(pk=values["parent"]).first() if values["parent"].isdigit() else None
        )
        try:
            club_application_submit(
                person=person,
                name=values["name"],
                introduction=values["introduction"],
                purpose=values["purpose"],
                parent=parent,
                city=values["city"],
                actor=request.user,
            )
        except ServiceError as error:
            messages.error(request, str(error))
            error_field = error.field or ""
        else:
            messages.success(request, "申请已提交，校友总会审核后会通知你")
            return redirect("network:club_mine")
    context = {
        "linked": person is not None,
        "verified": verified,
        "parents": parents,
        "values": values,
        "error_field": error_field,
    }
    return render(request, "network/h5/club_apply.html", context)


@login_required
def club_mine(request):
    person = person_of(request.user)
    applications = list(club_applications_of(person)) if person else []
    return render(
        request,
        "network/h5/club_mine.html",
        {"linked": person is not None, "applications": applications},
    )
