"""Operator console pages for school plans (/console/plans/ on the platform domain).

Same gate as the rest of the console (tenants.console.operator_required: active staff users of
the public schema); every change goes through the services and lands in the operator log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.subscriptions import stripe_api
from billing.subscriptions.errors import SubscriptionError
from billing.subscriptions.forms import PlanChangeForm, TrialExtendForm
from billing.subscriptions.models import Subscription
from billing.subscriptions.selectors import (
    percent,
    plan_school_counts,
    plans_all,
    stripe_events_recent,
    subscription_history,
    subscription_list,
    subscription_of,
    subscription_status_counts,
    usage_by_schema,
)
from billing.subscriptions.services import (
    subscription_change_plan,
    subscription_ensure,
    subscription_extend_trial,
)
from tenants.console import operator_required
from tenants.models import School

PAGE_SIZE = 50


def _usage_row(subscription: Subscription, usage) -> dict:
    plan = subscription.plan
    return {
        "subscription": subscription,
        "school": subscription.school,
        "usage": usage,
        "alumni_percent": percent(usage.alumni, plan.max_alumni),
        "sms_quota": usage.sms_quota if usage.sms_quota is not None else plan.sms_per_year,
        "storage_percent": percent(usage.storage_mb, plan.storage_mb),
    }


@operator_required
def subscriptions(request):
    status = request.GET.get("status", "")
    plan = request.GET.get("plan", "")
    query = request.GET.get("q", "").strip()
    page = Paginator(subscription_list(status=status, plan=plan, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    usage = usage_by_schema([row.school.schema_name for row in rows])
    counts = subscription_status_counts()
    context = {
        "rows": [_usage_row(row, usage[row.school.schema_name]) for row in rows],
        "page": page,
        "status": status,
        "plan": plan,
        "query": query,
        "status_choices": Subscription.Status.choices,
        "counts": counts,
        "status_stats": [(value, label, counts[value]) for value, label in Subscription.Status.choices],
        "plans": plans_all(),
        "stripe_configured": stripe_api.is_configured(),
        "nav": "plans",
    }
    return render(request, "subscriptions/console/subscriptions.html", context)


@operator_required
def school_plan(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    subscription = subscription_of(school) or subscription_ensure(school=school)
    usage = usage_by_schema([school.schema_name])[school.schema_name]
    context = {
        **_usage_row(subscription, usage),
        "history": subscription_history(subscription),
        "change_form": PlanChangeForm(initial={"plan": subscription.plan.code}),
        "extend_form": TrialExtendForm(),
        "nav": "plans",
    }
    return render(request, "subscriptions/console/school.html", context)


@operator_required
@require_POST
def school_plan_change(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    form = PlanChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择有效的套餐和日期。"))
        return redirect("subscriptions:console_school", pk=school.pk)
    try:
        subscription = subscription_change_plan(
            school=school,
            plan_code=form.cleaned_data["plan"].code,
            paid_until=form.cleaned_data["paid_until"],
            actor=request.user,
        )
    except SubscriptionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(school)s 已改为%(plan)s。") % {"school": school.name, "plan": subscription.plan.name},
        )
    return redirect("subscriptions:console_school", pk=school.pk)


@operator_required
@require_POST
def school_trial_extend(request, pk: int):
    school = get_object_or_404(School, pk=pk)
    form = TrialExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("延长天数须在 1–366 之间。"))
        return redirect("subscriptions:console_school", pk=school.pk)
    try:
        subscription = subscription_extend_trial(
            school=school, days=form.cleaned_data["days"], actor=request.user
        )
    except SubscriptionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(school)s 的试用已延长至 %(date)s。")
            % {"school": school.name, "date": subscription.trial_ends_at.strftime("%Y-%m-%d")},
        )
    return redirect("subscriptions:console_school", pk=school.pk)


@operator_required
def plans(request):
    counts = plan_school_counts()
    rows = [{"plan": plan, "schools": counts.get(plan.pk, 0)} for plan in plans_all()]
    context = {
        "rows": rows,
        "events": stripe_events_recent(limit=20),
        "stripe_configured": stripe_api.is_configured(),
        "nav": "plans",
    }
    return render(request, "subscriptions/console/plans.html", context)
