"""Unpaid schools: grace, then suspension through tenants.services; payment brings them back,
but never undoes an operator's own suspension."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.subscriptions.models import Subscription
from billing.subscriptions.services import subscriptions_enforce
from saas.celery import app as celery_app
from tenants.models import OperatorLog, School
from tenants.services import school_reactivate, school_suspend
from tests.billing.subscriptions.conftest import deliver, event, stripe_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(platform_client, stripe_settings):
    return platform_client


def ended_trial(subscription: Subscription) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(trial_ends_at=timezone.now() - timedelta(hours=1))


def state(subscription: Subscription) -> tuple[str, str]:
    subscription = Subscription.objects.get(pk=subscription.pk)
    school = School.objects.get(pk=subscription.school_id)
    return subscription.status, school.status


def test_a_running_trial_is_left_alone(sub_a):
    assert subscriptions_enforce() == {"grace": 0, "suspended": 0}
    assert state(sub_a) == ("trialing", "active")


def test_ended_trial_gets_grace_then_the_school_is_suspended(sub_a, settings, client_a):
    settings.SUBSCRIPTION_GRACE_DAYS = 14
    ended_trial(sub_a)
    now = timezone.now()
    assert subscriptions_enforce(now=now)["grace"] == 1
    sub = Subscription.objects.get(pk=sub_a.pk)
    assert sub.status == "grace" and sub.grace_ends_at == now + timedelta(days=14)
    assert School.objects.get(pk=sub.school_id).status == "active"  # still working during grace

    assert subscriptions_enforce(now=now + timedelta(days=13)) == {"grace": 0, "suspended": 0}
    assert subscriptions_enforce(now=now + timedelta(days=14, minutes=1))["suspended"] == 1
    assert state(sub_a) == ("suspended", "suspended")
    school = School.objects.get(pk=sub_a.school_id)
    assert school.suspended_reason.startswith("套餐欠费") and not school.is_ready
    assert OperatorLog.objects.filter(school=school, action="school_suspend", actor_label="系统").exists()
    # Visitors of the school now see the suspension notice, with the way back for its admins.
    notice = client_a.get("/")
    assert notice.status_code == 503
    assert "/admin/login/?next=/admin/plan/" in notice.content.decode()
    assert client_a.get("/admin/").status_code == 503
    assert client_a.get("/admin/login/").status_code == 200


def test_a_suspended_schools_admin_can_still_reach_the_plan_page_and_pay(sub_a, school_a):
    from tests.billing.subscriptions.conftest import logged_in, school_admin

    admin = logged_in(school_a, school_admin(school_a))
    school_suspend(school=school_a, reason="套餐欠费：宽限期已结束")
    page = admin.get("/admin/plan/")
    assert page.status_code == 200
    assert "套餐与账单" in page.content.decode()
    # Nothing else of the back office or the H5 site answers.
    assert admin.get("/admin/").status_code == 503
    assert admin.get("/alumni/").status_code == 503


def test_paying_reactivates_a_school_suspended_for_non_payment(sub_a, webhook):
    ended_trial(sub_a)
    now = timezone.now()
    subscriptions_enforce(now=now)
    subscriptions_enforce(now=now + timedelta(days=15))
    assert state(sub_a) == ("suspended", "suspended")
    response = deliver(webhook, event("invoice.paid", stripe_invoice("alpha")))
    assert response.status_code == 200
    assert state(sub_a) == ("active", "active")
    school = School.objects.get(pk=sub_a.school_id)
    assert school.is_ready and school.suspended_reason == ""
    assert Subscription.objects.get(pk=sub_a.pk).suspended_by_billing is False


def test_paying_never_undoes_an_operators_own_suspension(sub_a, webhook, school_a):
    school_suspend(school=school_a, reason="违反平台服务协议")
    ended_trial(sub_a)
    now = timezone.now()
    subscriptions_enforce(now=now)
    subscriptions_enforce(now=now + timedelta(days=15))
    sub = Subscription.objects.get(pk=sub_a.pk)
    assert sub.status == "suspended" and not sub.suspended_by_billing
    deliver(webhook, event("invoice.paid", stripe_invoice("alpha")))
    assert state(sub_a) == ("active", "suspended")
    assert School.objects.get(pk=school_a.pk).suspended_reason == "违反平台服务协议"


def test_an_operator_who_resuspends_for_another_reason_is_not_overridden(sub_a, webhook, school_a):
    ended_trial(sub_a)
    now = timezone.now()
    subscriptions_enforce(now=now)
    subscriptions_enforce(now=now + timedelta(days=15))
    # The operator reactivates, then suspends again for their own reason.
    school_reactivate(school=School.objects.get(pk=school_a.pk))
    school_suspend(school=School.objects.get(pk=school_a.pk), reason="学校要求暂停")
    deliver(webhook, event("invoice.paid", stripe_invoice("alpha")))
    assert state(sub_a) == ("active", "suspended")


def test_failed_renewal_goes_to_grace_and_later_failures_do_not_reset_the_clock(sub_a, webhook):
    Subscription.objects.filter(pk=sub_a.pk).update(
        status="active", stripe_subscription_id="sub_test_1", current_period_end=timezone.now()
    )
    deliver(webhook, event("invoice.payment_failed", stripe_invoice("alpha"), created=int(time.time()) - 5))
    now = timezone.now()
    subscriptions_enforce(now=now)
    grace_end = Subscription.objects.get(pk=sub_a.pk).grace_ends_at
    deliver(webhook, event("invoice.payment_failed", stripe_invoice("alpha")))
    sub = Subscription.objects.get(pk=sub_a.pk)
    assert sub.status == "grace" and sub.grace_ends_at == grace_end


def test_an_expired_offline_period_enters_grace(sub_a):
    Subscription.objects.filter(pk=sub_a.pk).update(
        status="active", current_period_end=timezone.now() - timedelta(days=2)
    )
    assert subscriptions_enforce()["grace"] == 1
    # Active with no end date (demo schools, contracts) never lapses.
    Subscription.objects.filter(pk=sub_a.pk).update(
        status="active", current_period_end=None, grace_ends_at=None
    )
    assert subscriptions_enforce()["grace"] == 0


def test_operator_plan_change_or_trial_extension_lifts_a_billing_suspension(sub_a, sub_b, school_a):
    for sub in (sub_a, sub_b):
        ended_trial(sub)
    now = timezone.now()
    subscriptions_enforce(now=now)
    subscriptions_enforce(now=now + timedelta(days=15))
    assert state(sub_a) == ("suspended", "suspended") and state(sub_b) == ("suspended", "suspended")
    call_command("school_plan", "--school", "alpha", "--extend-trial", "10")
    assert state(sub_a) == ("trialing", "active")
    call_command("school_plan", "--school", "beta", "--plan", "standard", "--paid-until", "2099-12-31")
    assert state(sub_b) == ("active", "active")
    assert Subscription.objects.get(pk=sub_b.pk).current_period_end.year == 2099


def test_the_daily_check_is_scheduled_and_runs_as_a_task(sub_a):
    entry = celery_app.conf.beat_schedule["subscriptions-enforce"]
    assert entry["task"] == "subscriptions.enforce"
    ended_trial(sub_a)
    celery_app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
    result = celery_app.tasks["subscriptions.enforce"].apply()
    assert result.get() == {"grace": 1, "suspended": 0}
