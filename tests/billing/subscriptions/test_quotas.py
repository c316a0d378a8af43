"""Plan limits where they are spent: alumni records (single create, registration, import) and
the yearly SMS quota; and the features selector other apps call."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from alumni.messaging.models import SmsUsage
from alumni.messaging.selectors.sms import sms_quota
from alumni.messaging.services.quota import sms_quota_reserve, sms_quota_set
from alumni.people.demo import catalog_seed, generate_rows, rows_to_xlsx
from alumni.people.errors import PlanLimitReached
from alumni.people.models import ImportJob, Person
from alumni.people.services.imports import import_confirm, import_job_create, import_preview, import_run
from alumni.people.services.records import person_create
from billing.subscriptions.models import Plan, Subscription
from billing.subscriptions.selectors import feature_enabled, plan_limits
from billing.subscriptions.services import subscription_change_plan
from tests.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny(plans):
    return Plan.objects.create(
        code="tiny", name="迷你版", max_alumni=3, sms_per_year=1_000, storage_mb=100, features=["events"]
    )


def put_on(subscription: Subscription, plan: Plan) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(plan=plan)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    return tmp_path


def test_creating_records_beyond_the_plan_is_refused_with_plan_limit(sub_a, sub_b, tiny, school_a, school_b):
    put_on(sub_a, tiny)
    with inside(school_a):
        for name in ("张一", "张二", "张三"):
            person_create(name=name)
        with pytest.raises(PlanLimitReached) as refused:
            person_create(name="张四")
        assert refused.value.code == "plan_limit"
        assert "迷你版" in refused.value.message and "3" in refused.value.message
        assert Person.objects.count() == 3
    with inside(school_b):  # beta's plan is its own
        for name in ("李一", "李二", "李三", "李四"):
            person_create(name=name)


def test_merged_records_do_not_count(sub_a, tiny, school_a):
    put_on(sub_a, tiny)
    with inside(school_a):
        first = person_create(name="王一")
        second = person_create(name="王二")
        person_create(name="王三")
        Person.objects.filter(pk=second.pk).update(merged_into=first)
        person_create(name="王四")  # two active + this one: within 3


def test_the_check_is_the_plan_and_one_count(sub_a, tiny, school_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alumni.people.services.records import person_room_check

    put_on(sub_a, tiny)
    with inside(school_a), CaptureQueriesContext(connection) as queries:
        person_room_check(adding=1)
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(statements) == 2
    assert "subscriptions_subscription" in statements[0] and statements[1].startswith("SELECT COUNT(*)")


def test_back_office_form_shows_the_limit(sub_a, tiny, school_a, admin_client_a):
    put_on(sub_a, tiny)
    with inside(school_a):
        for name in ("赵一", "赵二", "赵三"):
            person_create(name=name)
    response = admin_client_a.post(
        "/admin/people/records/new/",
        {
            "name": "赵四",
            "verification": "official",
            "degrees-TOTAL_FORMS": "0",
            "degrees-INITIAL_FORMS": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "校友档案上限" in page
    with inside(school_a):
        assert not Person.objects.filter(name="赵四").exists()


def _job(rows: int) -> ImportJob:
    upload = ContentFile(rows_to_xlsx(generate_rows(rows, seed="plan-limit")), name="校友.xlsx")
    return import_job_create(upload=upload)


def test_import_preview_says_how_many_exceed_and_confirm_refuses(sub_a, tiny, school_a, media):
    Plan.objects.filter(pk=tiny.pk).update(max_alumni=5)
    put_on(sub_a, tiny)
    with inside(school_a):
        catalog_seed()
        person_create(name="现有校友")
        job = _job(12)
        summary = import_preview(job=job).summary
        created = summary["persons_created"]
        assert created > 4
        assert summary["plan_limit"] == {"excess": created + 1 - 5, "limit": 5, "plan": "迷你版"}
        job.refresh_from_db()
        with pytest.raises(PlanLimitReached) as refused:
            import_confirm(job=job)
        assert f"超出当前套餐（迷你版）的校友档案上限 5 条共 {created - 4} 条" in refused.value.message
        assert Person.objects.count() == 1


def test_the_run_checks_again_before_writing(sub_a, tiny, school_a, media):
    with inside(school_a):
        catalog_seed()
        job = _job(12)
        assert import_preview(job=job).summary["plan_limit"] is None  # trial: plenty of room
        job.refresh_from_db()
        import_confirm(job=job)
    put_on(sub_a, tiny)  # the plan shrank before the worker ran
    with inside(school_a):
        with pytest.raises(PlanLimitReached):
            import_run(job_id=job.pk)
        assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED
        assert Person.objects.count() == 0


def test_import_wizard_preview_shows_the_excess(sub_a, tiny, school_a, admin_client_a, media):
    put_on(sub_a, tiny)
    with inside(school_a):
        catalog_seed()
        job = _job(8)
        import_preview(job=job)
    page = admin_client_a.get(f"/admin/people/import/{job.uuid}/preview/").content.decode()
    assert "data-plan-limit" in page and "迷你版" in page
    response = admin_client_a.post(f"/admin/people/import/{job.uuid}/confirm/", follow=True)
    assert "校友档案上限" in response.content.decode()
    with inside(school_a):
        assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.VALIDATED


def test_sms_quota_starts_from_the_plan_and_follows_plan_changes(
    sub_a, plans, school_a, django_capture_on_commit_callbacks
):
    year = timezone.localdate().year
    with inside(school_a):
        SmsUsage.objects.all().delete()
        assert sms_quota().quota == 100_000  # the trial's, before the first SMS
        sms_quota_reserve(count=10)
        assert SmsUsage.objects.get(year=year).quota == 100_000
    with django_capture_on_commit_callbacks(execute=True):
        subscription_change_plan(school=school_a, plan_code="standard", actor_label="测试")
    with inside(school_a):
        assert SmsUsage.objects.get(year=year).quota == 20_000
        SmsUsage.objects.filter(year=year).update(used=25_000, quota=30_000)
    with django_capture_on_commit_callbacks(execute=True):
        subscription_change_plan(
            school=school_a, plan_code="standard", actor_label="测试"
        )  # no change: no signal
        subscription_change_plan(school=school_a, plan_code="trial", actor_label="测试")
    with inside(school_a):
        assert SmsUsage.objects.get(year=year).quota == 100_000
        SmsUsage.objects.filter(year=year).update(quota=30_000)
    with django_capture_on_commit_callbacks(execute=True):
        subscription_change_plan(school=school_a, plan_code="standard", actor_label="测试")
    with inside(school_a):
        assert SmsUsage.objects.get(year=year).quota == 25_000  # never below what is used


def test_a_new_year_starts_from_the_plan_not_last_years_override(sub_a, plans, school_a):
    year = timezone.localdate().year
    subscription_change_plan(school=school_a, plan_code="standard", actor_label="测试")
    with inside(school_a):
        SmsUsage.objects.all().delete()
        sms_quota_set(quota=55_555, year=year - 1)  # the operator's override for last year
        sms_quota_reserve(count=1)
        assert SmsUsage.objects.get(year=year).quota == 20_000
        sms_quota_set(quota=44_444)  # and the operator can still override this year
        assert sms_quota().quota == 44_444


def test_other_schools_quota_is_untouched_by_a_plan_change(
    sub_a, sub_b, school_a, school_b, django_capture_on_commit_callbacks
):
    with inside(school_b):
        sms_quota_reserve(count=1)
        before = SmsUsage.objects.get(year=timezone.localdate().year).quota
    with django_capture_on_commit_callbacks(execute=True):
        subscription_change_plan(school=school_a, plan_code="standard", actor_label="测试")
    with inside(school_b):
        assert SmsUsage.objects.get(year=timezone.localdate().year).quota == before


def test_features_and_limits_per_school(sub_a, sub_b, tiny, school_a, school_b):
    put_on(sub_a, tiny)
    with inside(school_a):
        assert feature_enabled("events") and not feature_enabled("crawlers")
        assert plan_limits().max_alumni == 3
    with inside(school_b):
        assert feature_enabled("crawlers")
    assert plan_limits("beta").plan_code == "trial"
    assert not feature_enabled("giving", "alpha")
