"""Reads for school plans: a school's limits and features (other apps call these), usage, lists.

``plan_limits`` / ``feature_enabled`` are what alumni apps call where a quota is spent; they take
the schema (default: the connection's), because inside a task or ``schema_context`` the
connection's tenant is only a stand-in with a schema name. A school without a subscription row
(not possible after provisioning and the data migration, but cheap to tolerate) gets the trial's
limits; with no plans at all nothing is limited.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from billing.subscriptions.models import FEATURES, Plan, StripeEvent, Subscription, SubscriptionChange
from billing.subscriptions.plan_catalog import TRIAL_PLAN
from tenants.fleet import rows_across_schemas
from tenants.models import School

STORAGE_CACHE_SECONDS = 15 * 60


@dataclass(frozen=True)
class PlanLimits:
    plan_code: str
    plan_name: str
    max_alumni: int | None
    sms_per_year: int | None
    storage_mb: int | None
    features: frozenset[str]


NO_LIMITS = PlanLimits("", "", None, None, None, frozenset(FEATURES))


def _limits(plan: Plan) -> PlanLimits:
    return PlanLimits(
        plan_code=plan.code,
        plan_name=plan.name,
        max_alumni=plan.max_alumni,
        sms_per_year=plan.sms_per_year,
        storage_mb=plan.storage_mb,
        features=frozenset(plan.features),
    )


def plan_limits(schema_name: str | None = None) -> PlanLimits:
    """The limits of the school's current plan (one query)."""
    schema = schema_name or connection.schema_name
    subscription = Subscription.objects.select_related("plan").filter(school__schema_name=schema).first()
    if subscription is not None:
        return _limits(subscription.plan)
    trial = Plan.objects.filter(code=TRIAL_PLAN).first()
    return _limits(trial) if trial else NO_LIMITS


def feature_enabled(feature: str, schema_name: str | None = None) -> bool:
    """Whether the school's plan includes a feature (codes: models.FEATURES)."""
    return feature in plan_limits(schema_name).features


def subscription_of(school: School) -> Subscription | None:
    return Subscription.objects.select_related("plan", "school").filter(school=school).first()


def subscription_history(subscription: Subscription, *, limit: int = 50) -> list[SubscriptionChange]:
    return list(subscription.changes.all()[:limit])


def plans_for_sale() -> list[Plan]:
    """Plans a school admin may subscribe to online, cheapest first."""
    return list(Plan.objects.filter(active=True, is_public=True).order_by("sort_order", "price_fen"))


def plans_all() -> list[Plan]:
    return list(Plan.objects.order_by("sort_order", "pk"))


def plan_by_code(code: str) -> Plan | None:
    return Plan.objects.filter(code=code).first()


def plan_by_stripe_price(price_id: str) -> Plan | None:
    return (
        Plan.objects.filter(stripe_price_id=price_id).exclude(stripe_price_id="").first()
        if price_id
        else None
    )


def plan_school_counts() -> dict[int, int]:
    return dict(Subscription.objects.values_list("plan_id").annotate(n=Count("pk")))


def subscription_list(*, status: str = "", plan: str = "", query: str = "") -> QuerySet[Subscription]:
    """Every school's subscription for the operator, filtered by status, plan and school name."""
    rows = Subscription.objects.select_related("plan", "school").order_by("school__name", "pk")
    if status in Subscription.Status.values:
        rows = rows.filter(status=status)
    if plan:
        rows = rows.filter(plan__code=plan)
    if query.strip():
        rows = rows.filter(
            Q(school__name__icontains=query.strip()) | Q(school__subdomain__icontains=query.strip().lower())
        )
    return rows


def subscription_status_counts() -> dict[str, int]:
    counts = {value: 0 for value in Subscription.Status.values}
    counts.update(dict(Subscription.objects.values_list("status").annotate(n=Count("pk"))))
    counts["all"] = sum(counts.values())
    return counts


def schools_without_subscription() -> QuerySet[School]:
    return School.objects.filter(subscription__isnull=True).order_by("pk")


def subscription_by_stripe(*, subscription_id: str = "", customer_id: str = "", schema: str = ""):
    """The subscription a Stripe object belongs to: by its own id, the customer, then the school."""
    rows = Subscription.objects.select_related("plan", "school")
    if subscription_id and (found := rows.filter(stripe_subscription_id=subscription_id).first()):
        return found
    if customer_id and (found := rows.filter(stripe_customer_id=customer_id).first()):
        return found
    if schema:
        return rows.filter(school__schema_name=schema).first()
    return None


def stripe_events_recent(*, limit: int = 50) -> list[StripeEvent]:
    return list(StripeEvent.objects.select_related("school")[:limit])


# --- usage ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    alumni: int
    sms_used: int
    sms_quota: int | None
    storage_mb: float


def _school_media_dir(schema: str) -> Path:
    relative = getattr(settings, "MULTITENANT_RELATIVE_MEDIA_ROOT", "%s") % schema
    return Path(settings.MEDIA_ROOT) / relative


def storage_used_mb(schema: str) -> float:
    """Size of the school's media folder in MB, measured at most every 15 minutes."""
    key = f"subscriptions:storage:{schema}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    total = 0
    for root, _dirs, files in os.walk(_school_media_dir(schema)):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue  # removed while we walked
    used = round(total / (1024 * 1024), 1)
    cache.set(key, used, STORAGE_CACHE_SECONDS)
    return used


def usage_by_schema(schemas: list[str]) -> dict[str, Usage]:
    """Alumni records, SMS this year and storage for many schools: two queries for the fleet.

    billing sits below alumni and cannot import its models, so it reads the two tables it needs
    by name (read-only, via tenants.fleet, which skips schemas that lack them).
    """
    year = int(timezone.localdate().year)
    alumni = dict(
        rows_across_schemas(schemas, "people_person", "count(*) FILTER (WHERE merged_into_id IS NULL)")
    )
    sms = {
        schema: (used, quota)
        for schema, used, quota in rows_across_schemas(
            schemas,
            "messaging_smsusage",
            f"coalesce(sum(used) FILTER (WHERE year = {year}), 0), max(quota) FILTER (WHERE year = {year})",
        )
    }
    return {
        schema: Usage(
            alumni=alumni.get(schema) or 0,
            sms_used=sms.get(schema, (0, None))[0],
            sms_quota=sms.get(schema, (0, None))[1],
            storage_mb=storage_used_mb(schema),
        )
        for schema in schemas
    }


def percent(used: float, limit: int | None) -> int:
    if not limit:
        return 0
    return min(100, round(used * 100 / limit))
