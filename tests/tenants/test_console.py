"""The operator console: who gets in, listing, creating, suspending and reactivating schools."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenants.models import Domain, OperatorLog, School
from tests.conftest import ADMIN_PASSWORD, inside
from tests.tenants.conftest import OPERATOR_EMAIL, OPERATOR_PASSWORD, schemas

pytestmark = pytest.mark.django_db


def console_urls(school: School) -> list[str]:
    return [
        "/console/",
        "/console/log/",
        "/console/schools/new/",
        f"/console/schools/{school.pk}/",
        f"/console/schools/{school.pk}/suspend/",
        f"/console/schools/{school.pk}/reactivate/",
    ]


# --- Who gets in ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_console_login(platform_client, school_a):
    for url in console_urls(school_a):
        response = platform_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/console/login/?next="), url
    response = platform_client.post(f"/console/schools/{school_a.pk}/suspend/", {"reason": "x"})
    assert response.status_code == 302
    school_a.refresh_from_db()
    assert school_a.status == School.Status.ACTIVE


def test_the_login_page_renders(platform_client):
    response = platform_client.get("/console/login/")
    assert response.status_code == 200
    assert "运营控制台登录" in response.content.decode()


def test_an_operator_logs_in_and_out(platform_client, operator):
    response = platform_client.post(
        "/console/login/?next=/console/log/", {"username": OPERATOR_EMAIL, "password": OPERATOR_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/console/log/"
    assert platform_client.get("/console/").status_code == 200

    assert platform_client.get("/console/logout/").status_code == 405  # logging out takes a POST
    assert platform_client.post("/console/logout/").status_code == 302
    assert platform_client.get("/console/").status_code == 302


def test_a_school_admin_cannot_log_into_the_console(platform_client, school_a):
    # admin@alpha.edu.cn is a superuser, but of alpha's schema: on the platform it does not exist.
    response = platform_client.post(
        "/console/login/", {"username": "admin@alpha.edu.cn", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.content.decode()
    assert platform_client.get("/console/").status_code == 302


def test_a_school_admins_session_does_not_open_the_console(client_a):
    assert client_a.post("/admin/login/", {"username": "admin@alpha.edu.cn", "password": ADMIN_PASSWORD})
    assert client_a.get("/admin/").status_code == 200
    # Same cookie jar, platform host: the session lives in alpha's schema, not the platform's.
    client_a.defaults["HTTP_HOST"] = "localhost"
    assert client_a.get("/console/").status_code == 302


def test_a_platform_user_who_is_not_staff_is_refused(platform_client):
    user = get_user_model().objects.create_user(
        username="someone", email="someone@x.cn", password="Pass-w0rd-x"
    )
    response = platform_client.post("/console/login/", {"username": "someone", "password": "Pass-w0rd-x"})
    assert response.status_code == 200
    assert "不是平台运营人员" in response.content.decode()
    platform_client.force_login(user)
    assert platform_client.get("/console/").status_code == 302


# --- Listing ---------------------------------------------------------------------------------


def test_the_school_list_shows_every_school_with_its_user_count(console, school_a, school_b):
    with inside(school_a):
        get_user_model().objects.create_user(username="a2", email="a2@alpha.edu.cn")
    response = console.get("/console/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "阿尔法大学" in html and "贝塔理工大学" in html
    assert "http://alpha.localhost:8000/" in html
    rows = {row["school"].subdomain: row for row in response.context["rows"]}
    with inside(school_a):
        alpha_users = get_user_model().objects.count()
    with inside(school_b):
        beta_users = get_user_model().objects.count()
    assert rows["alpha"]["users"] == alpha_users == rows["beta"]["users"] + 1 == beta_users + 1
    assert rows["alpha"]["host"] == "alpha.localhost"


def test_user_counts_for_all_schools_are_read_in_one_query(console, school_a, school_b):
    with CaptureQueriesContext(connection) as queries:
        console.get("/console/")
    counting = [
        q["sql"] for q in queries.captured_queries if "users_user" in q["sql"] and "UNION ALL" in q["sql"]
    ]
    assert len(counting) == 1
    assert '"alpha".users_user' in counting[0] and '"beta".users_user' in counting[0]


def test_search_and_status_filter(console, school_a, school_b):
    def listed(**params):
        return {row["school"].subdomain for row in console.get("/console/", params).context["rows"]}

    assert {"alpha", "beta"} <= listed()
    assert listed(q="阿尔法") == {"alpha"}
    assert listed(q="BETA") == {"beta"}
    assert listed(q="alpha.localhost") == {"alpha"}
    assert listed(q="no-such-school") == set()
    School.objects.filter(pk=school_b.pk).update(status=School.Status.SUSPENDED)
    assert "beta" in listed(status="suspended") and "alpha" not in listed(status="suspended")
    assert "alpha" in listed(status="active") and "beta" not in listed(status="active")
    assert "没有符合条件的学校" in console.get("/console/", {"q": "zzz-none"}).content.decode()


def test_school_detail_shows_its_facts_and_log(console, school_a, operator):
    OperatorLog.objects.create(
        actor=operator, actor_label="运营小王", school=school_a, action="school_suspend"
    )
    response = console.get(f"/console/schools/{school_a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "阿尔法大学" in html and "alpha.localhost" in html and "admin@alpha.edu.cn" in html
    assert "停用学校" in html and "运营小王" in html
    assert console.get("/console/schools/999999/").status_code == 404


def test_operator_log_page_lists_recent_entries(console, school_a, operator):
    OperatorLog.objects.create(
        actor=operator,
        actor_label="运营小王",
        school=school_a,
        action="school_suspend",
        before={"status": "active"},
        after={"status": "suspended"},
    )
    html = console.get("/console/log/").content.decode()
    assert "运营小王" in html and "阿尔法大学" in html
    assert "停用学校" in html and "正常" in html and "已停用" in html  # status values in words


# --- Creating --------------------------------------------------------------------------------


def test_an_operator_creates_a_school_with_its_first_admin(console, operator):
    response = console.post(
        "/console/schools/new/",
        {
            "name": "复旦大学",
            "short_name": "复旦",
            "subdomain": "fudan",
            "admin_email": "admin@fudan.edu.cn",
            "password1": "Fudan-pass-2024",
            "password2": "Fudan-pass-2024",
            "is_demo": "on",
        },
    )
    school = School.objects.get(subdomain="fudan")
    assert response.status_code == 302 and response["Location"] == f"/console/schools/{school.pk}/"
    assert school.is_ready and school.is_demo and school.status == School.Status.ACTIVE
    log = OperatorLog.objects.get(school=school, action="school_create")
    assert log.actor == operator and log.actor_label == "运营小王"
    with inside(school):
        assert get_user_model().objects.get(email="admin@fudan.edu.cn").is_superuser
    browser = Client(HTTP_HOST="fudan.localhost")
    assert browser.post("/admin/login/", {"username": "admin@fudan.edu.cn", "password": "Fudan-pass-2024"})
    assert browser.get("/admin/").status_code == 200


def test_an_operator_creates_a_school_without_an_admin(console):
    response = console.post(
        "/console/schools/new/", {"name": "同济大学", "short_name": "同济", "subdomain": "tongji"}
    )
    assert response.status_code == 302
    school = School.objects.get(subdomain="tongji")
    with inside(school):
        assert not get_user_model().objects.exists()
    assert Client(HTTP_HOST="tongji.localhost").get("/").status_code == 200


def test_console_create_validates_like_sign_up(console, school_a):
    response = console.post("/console/schools/new/", {"name": "X", "short_name": "X", "subdomain": "alpha"})
    assert response.status_code == 200
    assert "该子域名已被占用" in response.context["form"].errors["subdomain"][0]
    response = console.post(
        "/console/schools/new/",
        {"name": "X", "short_name": "X", "subdomain": "xschool", "admin_email": "a@x.cn"},
    )
    assert "password1" in response.context["form"].errors
    response = console.post(
        "/console/schools/new/",
        {
            "name": "X",
            "short_name": "X",
            "subdomain": "xschool",
            "password1": "Xx-pass-2024",
            "password2": "Xx-pass-2024",
        },
    )
    assert "admin_email" in response.context["form"].errors
    assert not School.objects.filter(subdomain="xschool").exists()
    assert "xschool" not in schemas()


# --- Suspending and reactivating --------------------------------------------------------------


def test_suspend_asks_for_confirmation_and_a_reason(console, school_a):
    page = console.get(f"/console/schools/{school_a.pk}/suspend/")
    assert page.status_code == 200
    assert "停用「阿尔法大学」？" in page.content.decode()
    response = console.post(f"/console/schools/{school_a.pk}/suspend/", {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    school_a.refresh_from_db()
    assert school_a.status == School.Status.ACTIVE


def test_suspend_and_reactivate_take_the_school_offline_and_back(
    console, school_a, school_b, client_a, client_b, operator
):
    assert client_a.get("/").status_code == 200

    response = console.post(f"/console/schools/{school_a.pk}/suspend/", {"reason": "服务合同到期"})
    assert response.status_code == 302
    school_a.refresh_from_db()
    assert school_a.status == School.Status.SUSPENDED and not school_a.is_ready
    assert school_a.suspended_reason == "服务合同到期"

    offline = client_a.get("/")
    assert offline.status_code == 503
    assert "暂停服务" in offline.content.decode() and "服务合同到期" in offline.content.decode()
    assert client_a.get("/admin/").status_code == 503
    assert client_b.get("/").status_code == 200  # the other school is not affected

    page = console.get(f"/console/schools/{school_a.pk}/reactivate/")
    assert page.status_code == 200 and "恢复「阿尔法大学」？" in page.content.decode()
    assert console.post(f"/console/schools/{school_a.pk}/reactivate/").status_code == 302
    school_a.refresh_from_db()
    assert school_a.status == School.Status.ACTIVE and school_a.is_ready and not school_a.suspended_reason
    assert client_a.get("/").status_code == 200

    actions = list(OperatorLog.objects.filter(school=school_a).values_list("action", "actor"))
    assert ("school_suspend", operator.pk) in actions and ("school_reactivate", operator.pk) in actions


def test_state_mismatches_are_reported_not_applied(console, school_a):
    response = console.post(f"/console/schools/{school_a.pk}/reactivate/", follow=True)
    assert "只能恢复已停用的学校" in response.content.decode()
    assert console.get(f"/console/schools/{school_a.pk}/reactivate/").status_code == 302
    assert not OperatorLog.objects.filter(school=school_a, action="school_reactivate").exists()


def test_suspending_needs_a_csrf_token(operator, school_a):
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(operator)
    assert client.post(f"/console/schools/{school_a.pk}/suspend/", {"reason": "x"}).status_code == 403
    school_a.refresh_from_db()
    assert school_a.status == School.Status.ACTIVE


def test_a_provisioning_school_shows_a_please_wait_page(school_a, client_a):
    School.objects.filter(pk=school_a.pk).update(status=School.Status.PROVISIONING)
    response = client_a.get("/")
    assert response.status_code == 503
    assert "正在开通" in response.content.decode()


def test_an_unknown_host_gets_a_friendly_404():
    response = Client(HTTP_HOST="nobody.localhost").get("/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "未找到该校友会网站" in html and "nobody.localhost" in html
    assert "http://localhost:8000/signup/" in html
    assert not Domain.objects.filter(domain="nobody.localhost").exists()
