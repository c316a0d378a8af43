"""Birthday greetings: who is greeted when, at most once a year (also under a race), Feb 29,
the school's time of day, suspended schools, isolation; and the back-office pages per role."""

from __future__ import annotations

import threading
from datetime import date, datetime, time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from alumni.messaging.models import BirthdayGreeting, BirthdaySettings, MessageLog, Notice
from alumni.messaging.selectors.sms import birthdays_on
from alumni.messaging.services.birthdays import birthdays_send
from alumni.messaging.tasks import birthdays_fan_out
from alumni.people.models import AccountLink, Person
from tenants.services import school_suspend
from tests.alumni.messaging.sms_support import *  # noqa: F403  (the outbox fixture)
from tests.alumni.messaging.sms_support import configure_sms, person, received
from tests.alumni.people.admin_support import *  # noqa: F403  (role fixtures)
from tests.conftest import inside

pytestmark = pytest.mark.django_db

AT = timezone.make_aware(datetime(2026, 5, 20, 9, 30))


def enable(school, *, channel="sms", at=time(9, 0)):
    with inside(school):
        BirthdaySettings.objects.update_or_create(
            pk=1,
            defaults={
                "enabled": True,
                "channel": channel,
                "send_time": at,
                "text": "{{姓名}}校友，生日快乐！",
            },
        )


def test_feb_29_birthdays_are_greeted_on_feb_28_in_common_years(in_school_a):
    leap = person(name="闰日", birth_date=date(2000, 2, 29), phones=["13800000001"])
    plain = person(name="平日", birth_date=date(1990, 2, 28), phones=["13800000002"])
    assert set(birthdays_on(date(2027, 2, 28))) == {leap, plain}
    assert set(birthdays_on(date(2028, 2, 28))) == {plain}
    assert set(birthdays_on(date(2028, 2, 29))) == {leap}


@pytest.fixture(autouse=True)
def _deliver_after_commit(django_capture_on_commit_callbacks):
    """Deliveries are tasks sent after commit; a test's transaction never commits."""
    global committed
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    yield


committed = None


def test_greeted_once_after_the_schools_time_only_the_living_with_a_full_date(school_a, outbox):
    configure_sms(school_a)
    enable(school_a)
    with inside(school_a):
        greeted = person(name="寿星", birth_date=date(1980, 5, 20), phones=["13800000001"])
        person(
            name="只知年月", birth_date=date(1980, 5, 1), birth_date_precision="month", phones=["13800000002"]
        )
        person(name="已故校友", birth_date=date(1950, 5, 20), phones=["13800000003"], tags=["已故"])
        person(name="无手机", birth_date=date(1981, 5, 20))
        person(name="明天", birth_date=date(1982, 5, 21), phones=["13800000004"])
        assert birthdays_send(now=AT.replace(hour=8)) == 0  # before 09:00 nothing goes out
        with committed():
            assert birthdays_send(now=AT) == 1
        assert birthdays_send(now=AT.replace(hour=15)) == 0  # later runs the same day: nobody twice
        greeting = BirthdayGreeting.objects.get()
        assert (greeting.person, greeting.year) == (greeted, 2026)
        assert greeting.log.idempotency_key == f"birthday:{greeted.pk}:2026"
    assert [m["text"] for m in received(outbox, "alpha")] == ["【阿大校友会】寿星校友，生日快乐！"]


def test_disabled_school_sends_nothing(school_a, outbox):
    configure_sms(school_a)
    with inside(school_a):
        person(name="寿星", birth_date=date(1980, 5, 20), phones=["13800000001"])
        assert birthdays_send(now=AT) == 0
    assert received(outbox, "alpha") == []


def test_account_channel_sends_an_in_app_notice_to_registered_alumni_only(school_a):
    enable(school_a, channel="account")
    with inside(school_a):
        registered = person(name="已注册", birth_date=date(1990, 5, 20))
        person(name="未注册", birth_date=date(1991, 5, 20), phones=["13800000001"])
        user = get_user_model().objects.create_user(
            username="13900000001", phone="13900000001", name="已注册"
        )
        AccountLink.objects.create(user=user, person=registered)
        with committed():
            assert birthdays_send(now=AT) == 1
        notice = Notice.objects.get(user=user)
        assert notice.body == "已注册校友，生日快乐！"
        assert not MessageLog.objects.filter(channel="sms").exists()


def test_suspended_schools_get_nothing_and_schools_are_isolated(school_a, school_b, outbox, settings):
    configure_sms(school_a)
    configure_sms(school_b, sign="贝理工校友会")
    today = timezone.localdate()
    for school in (school_a, school_b):
        enable(school, at=time(0, 0))
        with inside(school):
            person(
                name=f"{school.subdomain}寿星",
                birth_date=date(1985, today.month, min(today.day, 28)),
                phones=["13800000001"],
            )
    if today.day > 28:
        pytest.skip("the fixture birthday is clamped to the 28th")
    school_suspend(school=school_b, reason="测试")
    connection.set_schema_to_public()
    with committed():
        birthdays_fan_out()
    assert [m["to"] for m in received(outbox, "alpha")] == ["13800000001"]
    assert received(outbox, "beta") == []
    with inside(school_b):
        assert not BirthdayGreeting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_tasks_at_once_greet_each_person_once(school_a, outbox):
    configure_sms(school_a)
    enable(school_a)
    with inside(school_a):
        ids = [
            person(name=f"寿星{i}", birth_date=date(1980 + i, 5, 20), phones=[f"1380000000{i}"]).pk
            for i in range(8)
        ]
    barrier, errors, results = threading.Barrier(2), [], []

    def run():
        try:
            with inside(school_a):
                barrier.wait()
                results.append(birthdays_send(now=AT))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert sum(results) == 8
        with inside(school_a):
            assert BirthdayGreeting.objects.count() == 8
            assert MessageLog.objects.filter(purpose="birthday").count() == 8
        phones = [m["to"] for m in received(outbox, "alpha")]
        assert len(phones) == 8 and len(set(phones)) == 8
    finally:
        with inside(school_a):
            BirthdayGreeting.objects.all().delete()
            MessageLog.objects.all().delete()
            BirthdaySettings.objects.all().delete()
            Person.objects.filter(pk__in=ids).delete()
            from alumni.messaging.models import MessagingSettings, SmsUsage

            SmsUsage.objects.all().delete()
            MessagingSettings.objects.all().delete()


# --- back office ------------------------------------------------------------------------------

PAGES = ("/admin/messaging/sms/", "/admin/messaging/sms/new/", "/admin/messaging/birthdays/")


def test_pages_are_for_school_admins_only(client_a, alumnus_client_a, editor_client_a, admin_client_a):
    for url in PAGES:
        assert client_a.get(url).status_code == 302  # to the login page
        assert alumnus_client_a.get(url).status_code in (302, 403)
        denied = editor_client_a.get(url)  # Wagtail turns PermissionDenied into a redirect home
        assert denied.status_code == 403 or (denied.status_code == 302 and denied.url == "/admin/")
        assert admin_client_a.get(url).status_code == 200


def test_birthday_page_saves_settings_and_previews_the_coming_week(school_a, admin_client_a):
    today = timezone.localdate()
    with inside(school_a):
        person(name="今天寿星", birth_date=date(1980, today.month, today.day), phones=["13800000001"])
    response = admin_client_a.post(
        "/admin/messaging/birthdays/",
        {"enabled": "on", "channel": "sms", "text": "{{姓名}}校友生日快乐", "send_time": "10:00"},
    )
    assert response.status_code == 302
    with inside(school_a):
        saved = BirthdaySettings.objects.get()
        assert saved.enabled and saved.send_time == time(10, 0)
    page = admin_client_a.get("/admin/messaging/birthdays/").content.decode()
    assert "今天寿星" in page and "今天寿星校友生日快乐" in page and "138****0001" in page


def test_admin_creates_previews_and_is_refused_over_quota(school_a, school_b, admin_client_a, admin_client_b):
    from tests.alumni.messaging.sms_support import set_quota

    configure_sms(school_a)
    with inside(school_a):
        person(name="张三", phones=["13800000001"])
        person(name="李四", phones=["13800000002"])
    response = admin_client_a.post(
        "/admin/messaging/sms/new/", {"title": "通知", "text": "{{姓名}}您好", "source": "filters"}
    )
    assert response.status_code == 302
    detail = response.url
    page = admin_client_a.get(detail).content.decode()
    assert "【阿大校友会】张三您好" in page and "data-segments>2<" in page
    set_quota(school_a, quota=10, used=9)
    page = admin_client_a.get(detail).content.decode()
    assert "data-over-quota" in page and "剩余 1 条" in page
    refused = admin_client_a.post(detail + "send/", {"mode": "now"}, follow=True).content.decode()
    assert "额度不足" in refused
    with inside(school_a):
        assert not MessageLog.objects.exists()
    assert admin_client_b.get(detail).status_code == 404  # another school's campaign


def test_dashboard_shows_sms_used_and_quota(school_a, admin_client_a):
    from tests.alumni.messaging.sms_support import set_quota

    set_quota(school_a, quota=1000, used=12)
    page = admin_client_a.get("/admin/").content.decode()
    assert "短信已用 / 本年额度 1,000" in page and ">12<" in page
