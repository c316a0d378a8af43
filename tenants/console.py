"""The operator console on the platform domain: schools, their status and the operator log.

Only active staff users of the public schema (platform operators) get in; a school's admins live
in that school's schema and do not exist here at all.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import user_passes_test
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenants.errors import ProvisioningFailed, SchoolStateError, SubdomainUnavailable, TemplateMissing
from tenants.forms import STATUS_FILTER_CHOICES, ConsoleSchoolForm, OperatorAuthenticationForm, SuspendForm
from tenants.models import School
from tenants.selectors import (
    operator_log_recent,
    school_host,
    school_list,
    school_operator_log,
    school_status_counts,
    school_user_counts,
)
from tenants.services import SchoolAdmin, host_url, school_create, school_reactivate, school_suspend

LOGIN_URL = reverse_lazy("console:login")
PAGE_SIZE = 50


def _is_operator(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


operator_required = user_passes_test(_is_operator, login_url=LOGIN_URL)


class ConsoleLoginView(auth_views.LoginView):
    template_name = "tenants/console/login.html"
    authentication_form = OperatorAuthenticationForm
    redirect_authenticated_user = False
    next_page = reverse_lazy("console:schools")


class ConsoleLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


def _rows(schools: list[School]) -> list[dict]:
    counts = school_user_counts([school.schema_name for school in schools])
    rows = []
    for school in schools:
        host = school_host(school)
        rows.append(
            {
                "school": school,
                "host": host,
                "url": host_url(host),
                "admin_url": host_url(host, "/admin/"),
                "users": counts.get(school.schema_name),
            }
        )
    return rows


@operator_required
def schools(request):
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    page = Paginator(school_list(query=query, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "rows": _rows(list(page.object_list)),
        "page": page,
        "query": query,
        "status": status,
        "status_choices": STATUS_FILTER_CHOICES,
        "counts": school_status_counts(),
        "recent_log": operator_log_recent(limit=8),
        "nav": "schools",
    }
    return render(request, "tenants/console/schools.html", context)


@operator_required
@require_http_methods(["GET", "POST"])
def school_new(request):
    form = ConsoleSchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        admin = (
            SchoolAdmin(email=data["admin_email"], password=data["password1"], name=data["admin_name"])
            if data.get("admin_email")
            else None
        )
        try:
            school = school_create(
                name=data["name"],
                short_name=data["short_name"],
                subdomain=data["subdomain"],
                admin=admin,
                actor=request.user,
                is_demo=data["is_demo"],
            )
        except SubdomainUnavailable as exc:
            form.add_error("subdomain", exc.message)
        except (ProvisioningFailed, TemplateMissing) as exc:
            form.add_error(None, _("开通失败，未留下任何数据：%(error)s") % {"error": exc.message})
        else:
            messages.success(request, _("已开通 %(name)s。") % {"name": school.name})
            return redirect("console:school", pk=school.pk)
    return render(request, "tenants/console/school_new.html", {"form": form, "nav": "new"})


@operator_required
def school_detail(request, pk: int):
    school = get_object_or_404(School.objects.prefetch_related("domains"), pk=pk)
    row = _rows([school])[0]
    context = {
        **row,
        "domains": list(school.domains.all()),
        "log": school_operator_log(school=school),
        "nav": "schools",
    }
    return render(request, "tenants/console/school_detail.html", context)


@operator_required
@require_http_methods(["GET", "POST"])
def school_suspend_view(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    if request.method == "GET" and school.status != School.Status.ACTIVE:
        messages.info(request, _("该学校当前不是正常状态，无需停用。"))
        return redirect("console:school", pk=school.pk)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            school_suspend(school=school, reason=form.cleaned_data["reason"], actor=request.user)
        except SchoolStateError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已停用 %(name)s。") % {"name": school.name})
        return redirect("console:school", pk=school.pk)
    context = {"school": school, "form": form, "action": "suspend", "nav": "schools"}
    return render(request, "tenants/console/school_confirm.html", context)


@operator_required
@require_http_methods(["GET", "POST"])
def school_reactivate_view(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    if request.method == "GET" and school.status != School.Status.SUSPENDED:
        messages.info(request, _("该学校未被停用，无需恢复。"))
        return redirect("console:school", pk=school.pk)
    if request.method == "POST":
        try:
            school_reactivate(school=school, actor=request.user)
        except SchoolStateError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已恢复 %(name)s。") % {"name": school.name})
        return redirect("console:school", pk=school.pk)
    return render(
        request,
        "tenants/console/school_confirm.html",
        {"school": school, "action": "reactivate", "nav": "schools"},
    )


@operator_required
def operator_log(request):
    return render(request, "tenants/console/log.html", {"log": operator_log_recent(limit=200), "nav": "log"})
