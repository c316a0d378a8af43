"""Chapter presidents' mobile admin (H5, mounted at /orgs/manage/): the organizations an officer
manages with their to-do counts, one-tap review of join requests, member search, a notice
to every member of the subtree, statistics and the member list as XLSX. Officers of an organization or an ancestor and school admins
only; the services re-check the permission on every write."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alumni.core.errors import ServiceError
from alumni.core.permissions import is_school_admin
from alumni.network.models import JoinRequest, Organization
from alumni.network.permissions import can_manage, managed_organizations
from alumni.network.selectors import (
    MemberFilters,
    bar_rows,
    join_requests_pending,
    org_statistics,
    subtree_member_counts,
    subtree_member_search,
)
from alumni.network.services import (
    join_request_approve,
    join_request_reject,
    org_members_export,
    org_notice_send,
)

SEARCH_LIMIT = 50
SUBJECT_MAX = 100
TEXT_MAX = 2000


def _managed_org(user, pk: int) -> Organization:
    org = Organization.objects.filter(pk=pk, is_active=True).first()
    if org is None:
        raise Http404("组织不存在或已停用")
    if not can_manage(user, org):
        raise PermissionDenied("你没有管理该组织的权限")
    return org


@login_required
def index(request):
    orgs = list(managed_organizations(request.user).filter(is_active=True).order_by("path"))
    if not orgs:
        raise PermissionDenied("你没有可管理的组织")
    counts = subtree_member_counts(orgs)
    pending = dict(
        JoinRequest.objects.filter(status=JoinRequest.Status.PENDING, organization__in=orgs)
        .values_list("organization")
        .annotate(n=Count("pk"))
    )
    rows = [(org, pending.get(org.pk, 0), counts.get(org.pk, 0)) for org in orgs]
    return render(request, "network/h5/manage/index.html", {"rows": rows})


@login_required
def manage_detail(request, pk: int):
    org = _managed_org(request.user, pk)
    q = request.GET.get("q", "").strip()[:50]
    found = subtree_member_search(org, q, limit=SEARCH_LIMIT) if q else None
    context = {
        "org": org,
        "requests": list(join_requests_pending(org)),
        "member_count": subtree_member_counts([org]).get(org.pk, 0),
        "q": q,
        "found": found,
        "notice_key": uuid.uuid4(),
    }
    return render(request, "network/h5/manage/detail.html", context)


def _pending_request(org: Organization, request_pk: int) -> JoinRequest:
    join_request = JoinRequest.objects.filter(pk=request_pk, organization=org).first()
    if join_request is None:
        raise Http404("入会申请不存在")
    return join_request


@login_required
@require_POST
def request_approve(request, pk: int, request_pk: int):
    org = _managed_org(request.user, pk)
    join_request = _pending_request(org, request_pk)
    try:
        join_request_approve(join_request=join_request, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已通过{join_request.person.name}的申请")
    return redirect("network:manage_detail", pk=org.pk)


@login_required
@require_POST
def request_reject(request, pk: int, request_pk: int):
    org = _managed_org(request.user, pk)
    join_request = _pending_request(org, request_pk)
    try:
        join_request_reject(
            join_request=join_request, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"已拒绝{join_request.person.name}的申请")
    return redirect("network:manage_detail", pk=org.pk)


@login_required
@require_POST
def notice(request, pk: int):
    org = _managed_org(request.user, pk)
    subject = request.POST.get("subject", "").strip()[:SUBJECT_MAX]
    text = request.POST.get("text", "").strip()[:TEXT_MAX]
    try:
        key = uuid.UUID(request.POST.get("key", ""))
    except ValueError:
        key = None
    if not subject or not text or key is None:
        messages.error(request, "请填写通知标题和内容")
        return redirect("network:manage_detail", pk=org.pk)
    sent = org_notice_send(organization=org, actor=request.user, subject=subject, text=text, key=key)
    messages.success(request, f"通知已发送给 {sent} 名成员")
    return redirect("network:manage_detail", pk=org.pk)


@login_required
def stats(request, pk: int):
    org = _managed_org(request.user, pk)
    numbers = org_statistics(org)
    sections = [
        ("近 12 个月新增成员", bar_rows(numbers.trend)),
        ("按职务", bar_rows(numbers.by_role)),
        ("按入学年级", bar_rows(numbers.by_enrollment_year)),
        ("按毕业年级", bar_rows(numbers.by_graduation_year)),
        ("按学院", bar_rows(numbers.by_college)),
        ("按城市（前 20）", bar_rows(numbers.by_city)),
        ("下级组织", bar_rows(numbers.sub_organizations)),
    ]
    return render(
        request,
        "network/h5/manage/stats.html",
        {"org": org, "stats": numbers, "sections": sections, "masked": not is_school_admin(request.user)},
    )


@login_required
def export(request, pk: int):
    org = _managed_org(request.user, pk)
    content, _count = org_members_export(organization=org, actor=request.user, filters=MemberFilters())
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"members-{org.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
