"""The school admin's 套餐与账单 page in the back office (/admin/plan/), registered by wagtail_hooks.

School admins (superusers of the school's schema) only. Shows the plan, its status and dates,
usage against the limits, the plans on sale with a button to Stripe Checkout, and a link to
Stripe's customer portal. Without Stripe configured (the demo) it says that the operator changes
plans by hand.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.subscriptions import stripe_api
from billing.subscriptions.errors import SubscriptionError
from billing.subscriptions.models import FEATURES
from billing.subscriptions.selectors import percent, plans_for_sale, subscription_history, usage_by_schema
from billing.subscriptions.services import checkout_start, portal_start, subscription_ensure
from tenants.models import School


def _school(request) -> School:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        raise PermissionDenied
    # The middleware put the School itself on the request (not a schema-only stand-in).
    return School.objects.get(schema_name=connection.schema_name)


def plan_page(request):
    school = _school(request)
    subscription = subscription_ensure(school=school)
    plan = subscription.plan
    usage = usage_by_schema([school.schema_name])[school.schema_name]
    sms_quota = usage.sms_quota if usage.sms_quota is not None else plan.sms_per_year
    meters = [
        {
            "key": "alumni",
            "label": _("校友档案"),
            "used": usage.alumni,
            "limit": plan.max_alumni,
            "unit": _("条"),
            "percent": percent(usage.alumni, plan.max_alumni),
        },
        {
            "key": "sms",
            "label": _("本年短信"),
            "used": usage.sms_used,
            "limit": sms_quota,
            "unit": _("条"),
            "percent": percent(usage.sms_used, sms_quota),
        },
        {
            "key": "storage",
            "label": _("存储空间"),
            "used": usage.storage_mb,
            "limit": plan.storage_mb,
            "unit": "MB",
            "percent": percent(usage.storage_mb, plan.storage_mb),
        },
    ]
    for meter in meters:
        meter["text"] = f"{meter['used']:,} / " + (
            f"{meter['limit']:,}" if meter["limit"] is not None else _("不限")
        )
    context = {
        "page_title": _("套餐与账单"),
        "header_icon": "tasks",
        "school": school,
        "subscription": subscription,
        "plan": plan,
        "meters": meters,
        "features": [(code, label, code in plan.features) for code, label in FEATURES.items()],
        "plans": plans_for_sale(),
        "history": subscription_history(subscription, limit=10),
        "stripe_configured": stripe_api.is_configured(),
        "checkout_result": request.GET.get("checkout", ""),
    }
    return TemplateResponse(request, "subscriptions/admin/plan.html", context)


def _back(request, **query) -> str:
    url = request.build_absolute_uri(reverse("subscriptions_plan"))
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@require_POST
def checkout(request):
    school = _school(request)
    try:
        url = checkout_start(
            school=school,
            plan_code=request.POST.get("plan", ""),
            success_url=_back(request, checkout="success"),
            cancel_url=_back(request, checkout="cancel"),
        )
    except SubscriptionError as exc:
        messages.error(request, exc.message)
        return redirect("subscriptions_plan")
    return redirect(url)


@require_POST
def portal(request):
    school = _school(request)
    try:
        url = portal_start(school=school, return_url=_back(request))
    except SubscriptionError as exc:
        messages.error(request, exc.message)
        return redirect("subscriptions_plan")
    return redirect(url)
