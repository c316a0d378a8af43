"""Who sees what: the back office's 套餐与账单 page (school admins of their own school only) and
the operator console's plan pages (operators only); a new school's trial; the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from billing.subscriptions.models import Subscription, SubscriptionChange
from tenants.models import OperatorLog, School
from tenants.services import SchoolAdmin, school_create
from tests.billing.subscriptions.conftest import OPERATOR_EMAIL
from tests.conftest import ADMIN_PASSWORD, inside

pytestmark = pytest.mark.django_db

ADMIN_URLS = ["/admin/plan/"]
ADMIN_POSTS = ["/admin/plan/checkout/", "/admin/plan/portal/"]


def sidebar(client) -> str:
    """The admin menu as text (Wagtail renders it from JSON)."""
    page = client.get("/admin/").content.decode()
    props = page.split('id="wagtail-sidebar-props" type="application/json">', 1)[1].split("</script>", 1)[0]
    return json.dumps(json.loads(props), ensure_ascii=False)


def console_urls(school: School) -> list[str]:
    return ["/console/plans/", "/console/plans/catalogue/", f"/console/plans/{school.pk}/"]


# --- back office ----------------------------------------------------------------------------------


def test_school_admin_sees_plan_status_usage_and_plans(admin_client_a, sub_a, school_a, stripe_settings):
    with inside(school_a):
        from alumni.people.services.records import person_create

        person_create(name="用量校友")
    page = admin_client_a.get("/admin/plan/").content.decode()
    assert "套餐与账单" in page
    assert "data-plan-name>体验版<" in page and "试用中" in page and "试用截止" in page
    assert 'data-meter="alumni"' in page and "1 / 200,000" in page
    assert 'data-meter="sms"' in page and 'data-meter="storage"' in page
    for name in ("标准版", "专业版", "旗舰版"):
        assert name in page
    assert "升级/订阅" in page
    # The menu shows the page to the school's admin.
    assert "/admin/plan/" in sidebar(admin_client_a) and "套餐与账单" in sidebar(admin_client_a)


def test_grace_is_announced_to_the_school_admin(admin_client_a, sub_a):
    Subscription.objects.filter(pk=sub_a.pk).update(
        status="grace", grace_ends_at=timezone.now() + timedelta(days=3)
    )
    page = admin_client_a.get("/admin/plan/").content.decode()
    assert "data-grace" in page and "宽限期至" in page


def test_editor_and_alumnus_and_anonymous_are_kept_out(editor_client_a, alumnus_client_a, client_a, sub_a):
    for url in ADMIN_URLS:
        # Wagtail turns a PermissionDenied in its admin into a redirect to the dashboard.
        response = editor_client_a.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/"
        assert "/admin/plan/" not in sidebar(editor_client_a)
        response = alumnus_client_a.get(url)
        assert response.status_code in (302, 403)
        response = client_a.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    for url in ADMIN_POSTS:
        assert editor_client_a.post(url, {"plan": "standard"})["Location"] == "/admin/"
        assert client_a.post(url, {"plan": "standard"}).status_code == 302


def test_each_school_admin_sees_only_their_own_subscription(admin_client_a, admin_client_b, sub_a, sub_b):
    Subscription.objects.filter(pk=sub_a.pk).update(
        status="active",
        stripe_customer_id="cus_alpha_only",
        current_period_end=timezone.now() + timedelta(days=99),
    )
    page_b = admin_client_b.get("/admin/plan/").content.decode()
    assert "试用中" in page_b and "正常" not in page_b.split("data-plan-status>")[1][:10]
    assert "cus_alpha_only" not in page_b and "管理付款方式与发票" not in page_b
    page_a = admin_client_a.get("/admin/plan/").content.decode()
    assert "data-plan-status>正常<" in page_a


def test_alphas_admin_session_does_not_work_on_beta(admin_client_a, school_b, sub_b):
    admin_client_a.defaults["HTTP_HOST"] = "beta.localhost"
    response = admin_client_a.get("/admin/plan/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- operator console -----------------------------------------------------------------------------


def test_console_pages_need_an_operator(platform_client, school_a, sub_a):
    for url in console_urls(school_a):
        response = platform_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/console/login/"), url
    response = platform_client.post(f"/console/plans/{school_a.pk}/change/", {"plan": "flagship"})
    assert response.status_code == 302
    assert Subscription.objects.get(pk=sub_a.pk).plan.code == "trial"


def test_a_school_admin_is_not_an_operator(school_a, sub_a):
    """A school's admin exists only in that school's schema: the platform login refuses them."""
    client = Client(HTTP_HOST="localhost")
    assert not client.login(username="admin@alpha.edu.cn", password=ADMIN_PASSWORD)
    assert client.get("/console/plans/").status_code == 302


def test_school_hosts_do_not_serve_the_console_or_webhook(client_a, sub_a):
    assert client_a.get("/console/plans/").status_code == 404
    assert (
        client_a.post("/billing/stripe/webhook/", data="{}", content_type="application/json").status_code
        == 404
    )


def test_operator_sees_every_school_and_filters_by_status(console, sub_a, sub_b, school_a, school_b):
    Subscription.objects.filter(pk=sub_b.pk).update(
        status="grace", grace_ends_at=timezone.now() + timedelta(days=5)
    )
    page = console.get("/console/plans/").content.decode()
    assert 'data-school="alpha"' in page and 'data-school="beta"' in page
    assert "体验版" in page and "宽限期" in page
    page = console.get("/console/plans/?status=grace").content.decode()
    assert 'data-school="beta"' in page and 'data-school="alpha"' not in page
    assert 'href="/console/plans/"' in page  # the console's nav links here
    catalogue = console.get("/console/plans/catalogue/").content.decode()
    assert "旗舰版" in catalogue and "98,000" in catalogue


def test_operator_changes_a_plan_and_it_is_audited(console, sub_a, school_a, operator):
    response = console.post(
        f"/console/plans/{school_a.pk}/change/", {"plan": "professional", "paid_until": "2027-09-01"}
    )
    assert response.status_code == 302
    sub = Subscription.objects.select_related("plan").get(pk=sub_a.pk)
    assert sub.plan.code == "professional" and sub.status == "active"
    assert timezone.localtime(sub.current_period_end).date().isoformat() == "2027-09-01"
    log = OperatorLog.objects.get(school=school_a, action="plan_change")
    assert log.actor == operator and log.before["plan"] == "trial" and log.after["plan"] == "professional"
    assert log.action_display == "更换套餐"
    page = console.get(f"/console/plans/{school_a.pk}/").content.decode()
    assert "专业版" in page and "运营：运营小李" in page


def test_operator_extends_a_trial(console, sub_a, school_a):
    before = Subscription.objects.get(pk=sub_a.pk).trial_ends_at
    console.post(f"/console/plans/{school_a.pk}/extend-trial/", {"days": "20"})
    after = Subscription.objects.get(pk=sub_a.pk).trial_ends_at
    assert after - before == timedelta(days=20)
    assert OperatorLog.objects.get(school=school_a, action="trial_extend").after["days"] == 20
    response = console.post(f"/console/plans/{school_a.pk}/extend-trial/", {"days": "0"}, follow=True)
    assert "延长天数须在 1–366 之间" in response.content.decode()


def test_a_paying_school_cannot_be_put_back_on_trial_by_extension(console, sub_a, school_a):
    Subscription.objects.filter(pk=sub_a.pk).update(status="active")
    response = console.post(f"/console/plans/{school_a.pk}/extend-trial/", {"days": "5"}, follow=True)
    assert "已是付费套餐" in response.content.decode()
    assert Subscription.objects.get(pk=sub_a.pk).status == "active"


# --- provisioning and the command -----------------------------------------------------------------


def test_every_new_school_starts_a_trial_and_demo_schools_a_paid_plan(plans):
    school = school_create(
        name="伽马大学", short_name="伽大", subdomain="gamma-plans",
        admin=SchoolAdmin(email="admin@gamma.edu.cn", password=ADMIN_PASSWORD),
    )  # fmt: skip
    sub = Subscription.objects.select_related("plan").get(school=school)
    assert sub.plan.code == "trial" and sub.status == "trialing"
    assert abs((sub.trial_ends_at - timezone.now()) - timedelta(days=30)) < timedelta(minutes=1)
    assert SubscriptionChange.objects.get(subscription=sub).source == "开通学校"
    demo = school_create(name="演示大学", short_name="演示", subdomain="demo-plans", is_demo=True)
    sub = Subscription.objects.select_related("plan").get(school=demo)
    assert (sub.plan.code, sub.status, sub.current_period_end) == ("flagship", "active", None)
    connection.set_schema_to_public()


def test_school_plan_command(sub_a, school_a, capsys):
    call_command("school_plan", "--school", "alpha")
    assert "体验版 (trial) 试用中" in capsys.readouterr().out
    call_command("school_plan", "--school", "alpha", "--plan", "flagship")
    assert "旗舰版 (flagship) 正常" in capsys.readouterr().out
    assert OperatorLog.objects.get(school=school_a, action="plan_change").actor_label == "命令行"
    with pytest.raises(CommandError, match="没有代码为 nope 的套餐"):
        call_command("school_plan", "--school", "alpha", "--plan", "nope")
    with pytest.raises(CommandError, match="没有这个学校"):
        call_command("school_plan", "--school", "nowhere")


def test_operator_email_fixture_is_distinct():
    assert OPERATOR_EMAIL.endswith("@alumni.cloud")


def test_the_data_migration_gives_existing_schools_a_subscription(plans, school_a, school_b):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("billing.subscriptions.migrations.0002_default_plans")
    Subscription.objects.filter(school__in=[school_a, school_b]).delete()
    School.objects.filter(pk=school_b.pk).update(is_demo=True)
    migration.forwards(apps, None)
    alpha = Subscription.objects.select_related("plan").get(school=school_a)
    beta = Subscription.objects.select_related("plan").get(school=school_b)
    assert (alpha.plan.code, alpha.status) == ("trial", "trialing") and alpha.trial_ends_at > timezone.now()
    assert (beta.plan.code, beta.status, beta.current_period_end) == ("flagship", "active", None)


def test_console_search_by_name_or_subdomain(console, sub_a, sub_b):
    page = console.get("/console/plans/?q=贝塔").content.decode()
    assert 'data-school="beta"' in page and 'data-school="alpha"' not in page
    page = console.get("/console/plans/?q=ALPHA").content.decode()
    assert 'data-school="alpha"' in page and 'data-school="beta"' not in page
