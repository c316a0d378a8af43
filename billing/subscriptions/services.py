"""Writes to school plans: trials, plan changes, Stripe checkout and events, grace and suspension.

Status flow: a new school is ``trialing``; paying (Stripe, or the operator recording an offline
payment) makes it ``active``. A trial that ended, a failed payment (``past_due``), a canceled
subscription or a paid period that ran out moves it to ``grace`` for ``SUBSCRIPTION_GRACE_DAYS``;
when grace ends the school is suspended through tenants.services.school_suspend. A later payment
reactivates it, but only when billing suspended it: an operator's suspension for another reason
is never undone here.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.subscriptions import stripe_api
from billing.subscriptions.errors import (
    NoStripeCustomer,
    PlanNotFound,
    PlanNotPurchasable,
    SubscriptionError,
)
from billing.subscriptions.models import Plan, StripeEvent, Subscription, SubscriptionChange
from billing.subscriptions.plan_catalog import DEFAULT_PLANS, DEMO_PLAN, TRIAL_PLAN
from billing.subscriptions.selectors import plan_by_code, plan_by_stripe_price, subscription_by_stripe
from billing.subscriptions.signals import plan_changed
from tenants.errors import SchoolStateError
from tenants.models import OperatorLog, School
from tenants.services import school_reactivate, school_suspend

logger = logging.getLogger(__name__)

Status = Subscription.Status
# School.suspended_reason of a suspension for non-payment starts with this; payment undoes only those.
SUSPEND_REASON_PREFIX = "套餐欠费"
# A paid period that ended this long ago without a renewal counts as unpaid.
PERIOD_END_SLACK = timedelta(days=1)
# Statuses in which the school has not paid for the current period.
_UNPAID = (Status.PAST_DUE, Status.CANCELED)


def _grace_days() -> int:
    return int(settings.SUBSCRIPTION_GRACE_DAYS)


def _actor_label(actor, label: str = "") -> str:
    if label:
        return label
    if actor is None:
        return "系统"
    return getattr(actor, "name", "") or actor.get_username()


def _operator_log(*, actor, school: School, action: str, before: dict, after: dict, label: str = "") -> None:
    OperatorLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor, label),
        school=school,
        action=action,
        before=before,
        after=after,
    )


def _snapshot(subscription: Subscription) -> dict:
    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else None

    return {
        "plan": subscription.plan.code,
        "status": subscription.status,
        "trial_ends_at": when(subscription.trial_ends_at),
        "current_period_end": when(subscription.current_period_end),
        "grace_ends_at": when(subscription.grace_ends_at),
    }


def _save(
    subscription: Subscription, *, before_status: str, before_plan: Plan, source: str, note: str = ""
) -> Subscription:
    """Save a subscription, record the change in its history, and announce a new plan."""
    subscription.save()
    if before_status != subscription.status or before_plan.pk != subscription.plan_id:
        SubscriptionChange.objects.create(
            subscription=subscription,
            from_status=before_status,
            to_status=subscription.status,
            from_plan=before_plan.code,
            to_plan=subscription.plan.code,
            source=source[:120],
            note=note[:200],
        )
    if before_plan.pk != subscription.plan_id:
        school, plan = subscription.school, subscription.plan
        transaction.on_commit(lambda: plan_changed.send(sender=Subscription, school=school, plan=plan))
    return subscription


def _locked(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update().select_related("plan", "school").get(pk=subscription.pk)


def _plan(code: str) -> Plan:
    plan = plan_by_code(code)
    if plan is None:
        raise PlanNotFound(f"没有代码为 {code} 的套餐")
    return plan


# --- catalogue and new schools --------------------------------------------------------------------


def plans_seed() -> int:
    """Create the default plans that are missing (existing ones are left as the operator set them)."""
    created = 0
    with transaction.atomic():
        for row in DEFAULT_PLANS:
            _plan_row, was_created = Plan.objects.get_or_create(
                code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
            )
            created += was_created
    return created


def subscription_start(*, school: School) -> Subscription:
    """Give a school its first subscription: demo schools the demo plan, others the trial."""
    with transaction.atomic():
        existing = Subscription.objects.filter(school=school).select_related("plan").first()
        if existing is not None:
            return existing
        if not Plan.objects.filter(code__in=[TRIAL_PLAN, DEMO_PLAN]).exists():
            plans_seed()  # a flushed test database, or plans deleted by hand
        if school.is_demo:
            subscription = Subscription(school=school, plan=_plan(DEMO_PLAN), status=Status.ACTIVE)
        else:
            trial = _plan(TRIAL_PLAN)
            subscription = Subscription(
                school=school,
                plan=trial,
                status=Status.TRIALING,
                trial_ends_at=timezone.now() + timedelta(days=trial.trial_days),
            )
        subscription.save()
        SubscriptionChange.objects.create(
            subscription=subscription,
            to_status=subscription.status,
            to_plan=subscription.plan.code,
            source="开通学校",
        )
    return subscription


def subscription_ensure(*, school: School) -> Subscription:
    """The school's subscription, starting one if it has none yet (schools older than plans)."""
    return subscription_start(school=school)


# --- operator -----------------------------------------------------------------------------------


def subscription_change_plan(
    *, school: School, plan_code: str, paid_until: date | None = None, actor=None, actor_label: str = ""
) -> Subscription:
    """Operator: put a school on a plan (an offline payment); a paid plan runs to ``paid_until``."""
    plan = _plan(plan_code)
    with transaction.atomic():
        subscription = _locked(subscription_ensure(school=school))
        before, before_status, before_plan = _snapshot(subscription), subscription.status, subscription.plan
        subscription.plan = plan
        if plan.code == TRIAL_PLAN:
            subscription.status = Status.TRIALING
            if not subscription.trial_ends_at or subscription.trial_ends_at < timezone.now():
                subscription.trial_ends_at = timezone.now() + timedelta(days=plan.trial_days)
        else:
            subscription.status = Status.ACTIVE
            if paid_until is not None:
                end = datetime.combine(paid_until, time.max)
                subscription.current_period_end = timezone.make_aware(end)
            elif not subscription.stripe_subscription_id:
                subscription.current_period_end = (
                    None if school.is_demo else timezone.now() + timedelta(days=365)
                )
        subscription.grace_ends_at = None
        _reactivate_if_billing_suspended(subscription)
        _save(
            subscription,
            before_status=before_status,
            before_plan=before_plan,
            source=f"运营：{_actor_label(actor, actor_label)}",
        )
        _operator_log(
            actor=actor,
            school=school,
            action="plan_change",
            before=before,
            after=_snapshot(subscription),
            label=actor_label,
        )
    return subscription


def subscription_extend_trial(
    *, school: School, days: int, actor=None, actor_label: str = ""
) -> Subscription:
    """Operator: lengthen a school's trial by ``days`` (from today if it already ended)."""
    if days <= 0 or days > 366:
        raise SubscriptionError("延长天数须在 1–366 之间", field="days")
    with transaction.atomic():
        subscription = _locked(subscription_ensure(school=school))
        if subscription.status == Status.ACTIVE:
            raise SubscriptionError("该学校已是付费套餐，无需延长试用")
        if subscription.stripe_subscription_id and subscription.status in _UNPAID:
            raise SubscriptionError("该学校的在线订阅付款失败，请改为更换套餐")
        before, before_status, before_plan = _snapshot(subscription), subscription.status, subscription.plan
        start = max(subscription.trial_ends_at or timezone.now(), timezone.now())
        subscription.trial_ends_at = start + timedelta(days=days)
        subscription.status = Status.TRIALING
        subscription.grace_ends_at = None
        _reactivate_if_billing_suspended(subscription)
        _save(
            subscription,
            before_status=before_status,
            before_plan=before_plan,
            source=f"运营：{_actor_label(actor, actor_label)}",
            note=f"延长试用 {days} 天",
        )
        _operator_log(
            actor=actor,
            school=school,
            action="trial_extend",
            before=before,
            after=_snapshot(subscription) | {"days": days},
            label=actor_label,
        )
    return subscription


# --- grace and suspension -----------------------------------------------------------------------


def _reactivate_if_billing_suspended(subscription: Subscription) -> None:
    """Bring the school back if (and only if) billing suspended it and nobody changed that since."""
    if not subscription.suspended_by_billing:
        return
    subscription.suspended_by_billing = False
    school = School.objects.get(pk=subscription.school_id)
    if school.status == School.Status.SUSPENDED and school.suspended_reason.startswith(SUSPEND_REASON_PREFIX):
        school_reactivate(school=school)


def _lapse(subscription: Subscription, now: datetime) -> bool:
    if subscription.status == Status.TRIALING:
        return bool(subscription.trial_ends_at and subscription.trial_ends_at <= now)
    if subscription.status in _UNPAID:
        return True
    if subscription.status == Status.ACTIVE:
        end = subscription.current_period_end
        return bool(end and end + PERIOD_END_SLACK <= now)
    return False


def subscriptions_enforce(*, now: datetime | None = None) -> dict[str, int]:
    """Daily: unpaid subscriptions enter grace; those whose grace ended suspend their school."""
    now = now or timezone.now()
    counts = {"grace": 0, "suspended": 0}
    candidates = Subscription.objects.filter(
        status__in=[Status.TRIALING, Status.ACTIVE, *_UNPAID, Status.GRACE]
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            subscription = (
                Subscription.objects.select_for_update().select_related("plan", "school").get(pk=pk)
            )
            before_status, before_plan = subscription.status, subscription.plan
            if subscription.status != Status.GRACE and _lapse(subscription, now):
                subscription.status = Status.GRACE
                subscription.grace_ends_at = now + timedelta(days=_grace_days())
                _save(subscription, before_status=before_status, before_plan=before_plan, source="每日检查")
                counts["grace"] += 1
            elif subscription.status == Status.GRACE and subscription.grace_ends_at <= now:
                _suspend(subscription, now)
                _save(subscription, before_status=before_status, before_plan=before_plan, source="每日检查")
                counts["suspended"] += 1
    return counts


def _suspend(subscription: Subscription, now: datetime) -> None:
    subscription.status = Status.SUSPENDED
    ended = timezone.localtime(subscription.grace_ends_at or now).strftime("%Y-%m-%d")
    reason = f"{SUSPEND_REASON_PREFIX}：宽限期已于 {ended} 结束，续费后自动恢复。"
    try:
        school_suspend(school=subscription.school, reason=reason)
    except SchoolStateError:
        # Already suspended by an operator (or not live yet): leave their decision alone.
        subscription.suspended_by_billing = False
    else:
        subscription.suspended_by_billing = True


# --- Stripe: checkout and portal ----------------------------------------------------------------


def checkout_start(*, school: School, plan_code: str, success_url: str, cancel_url: str) -> str:
    """A school admin subscribes to a plan: the Stripe Checkout URL to send them to."""
    plan = _plan(plan_code)
    if not (plan.active and plan.is_public and plan.stripe_price_id):
        raise PlanNotPurchasable()
    subscription = subscription_ensure(school=school)
    return stripe_api.checkout_session_create(
        price_id=plan.stripe_price_id,
        schema=school.schema_name,
        plan_code=plan.code,
        success_url=success_url,
        cancel_url=cancel_url,
        customer_id=subscription.stripe_customer_id,
        customer_email=school.admin_email,
    )


def portal_start(*, school: School, return_url: str) -> str:
    """The Stripe customer portal URL (payment methods, invoices) of a school that subscribed online."""
    subscription = subscription_ensure(school=school)
    if not subscription.stripe_customer_id:
        raise NoStripeCustomer()
    return stripe_api.portal_session_create(
        customer_id=subscription.stripe_customer_id, return_url=return_url
    )


# --- Stripe: events -------------------------------------------------------------------------------


def _ts(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _id(value) -> str:
    """A Stripe reference may be an id or an expanded object."""
    if isinstance(value, dict):
        return value.get("id", "")
    return value or ""


def _subscription_period_end(obj: dict) -> datetime | None:
    # Since API 2025-03-31 the period lives on the subscription items, before that on the subscription.
    items = (obj.get("items") or {}).get("data") or []
    ends = [item.get("current_period_end") for item in items if item.get("current_period_end")]
    return _ts(max(ends)) if ends else _ts(obj.get("current_period_end"))


def _subscription_price(obj: dict) -> str:
    items = (obj.get("items") or {}).get("data") or []
    return _id((items[0].get("price") if items else None) or "")


def _invoice_subscription(obj: dict) -> tuple[str, dict]:
    details = (obj.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription") or obj.get("subscription")), details.get("metadata") or {}


def _invoice_period_end(obj: dict) -> datetime | None:
    lines = (obj.get("lines") or {}).get("data") or []
    ends = [(line.get("period") or {}).get("end") for line in lines]
    ends = [end for end in ends if end]
    return _ts(max(ends)) if ends else None


def _mark_paid(subscription: Subscription, period_end: datetime | None) -> None:
    subscription.status = Status.ACTIVE
    subscription.grace_ends_at = None
    if period_end and (not subscription.current_period_end or period_end > subscription.current_period_end):
        subscription.current_period_end = period_end
    _reactivate_if_billing_suspended(subscription)


def _mark_unpaid(subscription: Subscription, status: str) -> None:
    # Grace and suspension already run their own clock; a further failure must not reset it.
    if subscription.status not in (Status.GRACE, Status.SUSPENDED):
        subscription.status = status


def _on_checkout_completed(subscription: Subscription, obj: dict, stale: bool) -> str:
    subscription.stripe_customer_id = _id(obj.get("customer")) or subscription.stripe_customer_id
    subscription.stripe_subscription_id = _id(obj.get("subscription")) or subscription.stripe_subscription_id
    if stale:
        return "ids recorded (stale)"
    plan = plan_by_code((obj.get("metadata") or {}).get("plan", ""))
    if plan is not None:
        subscription.plan = plan
    if obj.get("payment_status") == "paid":
        _mark_paid(subscription, None)
    return "checkout completed"


def _on_subscription(subscription: Subscription, obj: dict, stale: bool, *, deleted: bool = False) -> str:
    stripe_id = obj.get("id", "")
    if deleted and subscription.stripe_subscription_id and stripe_id != subscription.stripe_subscription_id:
        return "ignored: an earlier subscription ended"
    subscription.stripe_customer_id = _id(obj.get("customer")) or subscription.stripe_customer_id
    subscription.stripe_subscription_id = stripe_id or subscription.stripe_subscription_id
    if stale:
        return "stale"
    plan = plan_by_stripe_price(_subscription_price(obj)) or plan_by_code(
        (obj.get("metadata") or {}).get("plan", "")
    )
    if plan is not None:
        subscription.plan = plan
    subscription.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
    status = "canceled" if deleted else obj.get("status", "")
    period_end = _subscription_period_end(obj)
    if status == "active":
        subscription.current_period_end = period_end or subscription.current_period_end
        _mark_paid(subscription, period_end)
    elif status == "trialing":
        subscription.trial_ends_at = _ts(obj.get("trial_end")) or subscription.trial_ends_at
        if subscription.status not in (Status.GRACE, Status.SUSPENDED):
            subscription.status = Status.TRIALING
    elif status in ("past_due", "unpaid", "paused"):
        _mark_unpaid(subscription, Status.PAST_DUE)
    elif status in ("canceled", "incomplete_expired"):
        _mark_unpaid(subscription, Status.CANCELED)
    return f"subscription {status}"


def _on_invoice(subscription: Subscription, obj: dict, stale: bool, *, paid: bool) -> str:
    if stale:
        return "stale"
    if paid:
        _mark_paid(subscription, _invoice_period_end(obj))
        return "invoice paid"
    _mark_unpaid(subscription, Status.PAST_DUE)
    return "invoice payment failed"


def _locate(event_type: str, obj: dict) -> Subscription | None:
    if event_type.startswith("checkout.session."):
        metadata = obj.get("metadata") or {}
        return subscription_by_stripe(
            subscription_id=_id(obj.get("subscription")),
            customer_id=_id(obj.get("customer")),
            schema=metadata.get("school") or obj.get("client_reference_id") or "",
        )
    if event_type.startswith("customer.subscription."):
        return subscription_by_stripe(
            subscription_id=obj.get("id", ""),
            customer_id=_id(obj.get("customer")),
            schema=(obj.get("metadata") or {}).get("school", ""),
        )
    if event_type.startswith("invoice."):
        subscription_id, metadata = _invoice_subscription(obj)
        return subscription_by_stripe(
            subscription_id=subscription_id,
            customer_id=_id(obj.get("customer")),
            schema=metadata.get("school", ""),
        )
    return None


HANDLED_EVENTS = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)


def stripe_event_handle(*, event: dict) -> str:
    """Apply one verified platform Stripe event exactly once; stale ones only record ids."""
    event_type = event["type"]
    created = _ts(event.get("created")) or timezone.now()
    obj = (event.get("data") or {}).get("object") or {}
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(event_id=event["id"], type=event_type, created=created)
        except IntegrityError:
            return "duplicate"
        if event_type not in HANDLED_EVENTS:
            outcome, school = "ignored", None
        elif (found := _locate(event_type, obj)) is None:
            logger.warning("Stripe event %s (%s) matches no school", event["id"], event_type)
            outcome, school = "no matching school", None
        else:
            subscription = _locked(found)
            before_status, before_plan = subscription.status, subscription.plan
            stale = bool(subscription.stripe_synced_at and created < subscription.stripe_synced_at)
            if event_type == "checkout.session.completed":
                outcome = _on_checkout_completed(subscription, obj, stale)
            elif event_type.startswith("customer.subscription."):
                outcome = _on_subscription(subscription, obj, stale, deleted=event_type.endswith(".deleted"))
            else:
                outcome = _on_invoice(subscription, obj, stale, paid=event_type == "invoice.paid")
            if not stale and not outcome.startswith("ignored"):
                subscription.stripe_synced_at = created
            _save(
                subscription,
                before_status=before_status,
                before_plan=before_plan,
                source=f"Stripe {event['id']}",
            )
            school = subscription.school
        record.outcome, record.school = outcome[:200], school
        record.save(update_fields=["outcome", "school"])
    return outcome
