"""Self-service sign-up on the platform domain, end to end, and the cross-host hand-off."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

from tenants.handoff import handoff_tokens, handoff_url
from tenants.models import Domain, OperatorLog, School
from tenants.signals import school_provisioned
from tests.conftest import ADMIN_PASSWORD, inside
from tests.tenants.conftest import schemas

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "华东师范大学",
    "short_name": "华师大",
    "subdomain": "ecnu",
    "admin_name": "王老师",
    "admin_email": "Alumni@ECNU.edu.cn",
    "password1": "Strong-pass-2024",
    "password2": "Strong-pass-2024",
}


def signup(client: Client, **changes):
    return client.post("/signup/", {**GOOD, **changes})


def host_client(url: str) -> Client:
    """A browser on the host the URL points at (the test Client does not scope cookies by host)."""
    return Client(HTTP_HOST=urlsplit(url).netloc)


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_landing_page_offers_sign_up_and_console(platform_client):
    response = platform_client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "校友云" in html
    assert 'href="/signup/"' in html
    assert 'href="/console/"' in html


def test_landing_lists_demo_schools_only(platform_client, school_a):
    School.objects.filter(pk=school_a.pk).update(is_demo=True)
    html = platform_client.get("/").content.decode()
    assert "http://alpha.localhost:8000/" in html
    assert "beta.localhost" not in html


def test_signup_form_shows_the_domain_suffix(platform_client):
    response = platform_client.get("/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ".localhost" in html
    assert "学校名称" in html and "简称" in html and "管理员邮箱" in html


@pytest.mark.parametrize(
    ("subdomain", "message"),
    [
        ("www", "该子域名为系统保留"),
        ("console", "该子域名为系统保留"),
        ("school-template", "该子域名为系统保留"),
        ("alpha", "该子域名已被占用"),
        ("ALPHA", "该子域名已被占用"),
        ("ab", "子域名需为 3–40 位小写字母"),
        ("9lives", "子域名需为 3–40 位小写字母"),
        ("bad_name", "子域名需为 3–40 位小写字母"),
        ("trailing-", "子域名需为 3–40 位小写字母"),
        ("double--dash", "子域名需为 3–40 位小写字母"),
    ],
)
def test_unavailable_subdomains_get_a_clear_field_error(platform_client, subdomain, message):
    before = School.objects.count()
    response = signup(platform_client, subdomain=subdomain)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["subdomain"]
    assert message in errors["subdomain"][0]
    assert message in response.content.decode()
    assert School.objects.count() == before


@pytest.mark.parametrize(
    ("password1", "password2", "field", "message"),
    [
        ("Short-1", "Short-1", "password1", "8"),
        ("12345678901", "12345678901", "password1", "数字"),
        ("password123", "password123", "password1", "常见"),
        ("alumni@ecnu.edu.cn", "alumni@ecnu.edu.cn", "password1", "相似"),
        ("Strong-pass-2024", "Strong-pass-2025", "password2", "两次输入的密码不一致"),
        ("", "", "password1", "必需"),
    ],
)
def test_bad_passwords_are_refused(platform_client, password1, password2, field, message):
    response = signup(platform_client, password1=password1, password2=password2)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field]), errors[field]
    assert not School.objects.filter(subdomain="ecnu").exists()


def test_missing_fields_and_bad_email_are_refused(platform_client):
    response = signup(platform_client, name="", short_name="", admin_email="not-an-email")
    errors = response.context["form"].errors
    assert {"name", "short_name", "admin_email"} <= set(errors)
    assert not School.objects.filter(subdomain="ecnu").exists()


def test_signup_creates_the_school_and_lands_logged_in_in_its_back_office(platform_client):
    response = signup(platform_client)

    school = School.objects.get(subdomain="ecnu")
    assert school.name == "华东师范大学" and school.short_name == "华师大"
    assert school.status == School.Status.ACTIVE and school.is_ready
    assert school.admin_email == "alumni@ecnu.edu.cn"
    assert Domain.objects.get(tenant=school, is_primary=True).domain == "ecnu.localhost"
    log = OperatorLog.objects.get(school=school, action="school_create")
    assert log.actor is None and "自助注册" in log.actor_label

    assert response.status_code == 302
    url = response["Location"]
    assert url.startswith("http://ecnu.localhost:8000/accounts/handoff/")

    browser = host_client(url)
    assert browser.get("/admin/").status_code == 302  # not logged in on the school's host yet
    landed = browser.get(path_of(url))
    assert landed.status_code == 302 and landed["Location"] == "/admin/"
    admin = browser.get("/admin/")
    assert admin.status_code == 200
    with inside(school):
        user = get_user_model().objects.get(email="alumni@ecnu.edu.cn")
        assert user.is_superuser and user.name == "王老师"
        assert user.check_password("Strong-pass-2024")
    assert int(browser.session["_auth_user_id"]) == user.pk


def test_the_admin_can_also_log_in_with_the_password(platform_client):
    signup(platform_client)
    browser = Client(HTTP_HOST="ecnu.localhost")
    response = browser.post(
        "/admin/login/", {"username": "alumni@ecnu.edu.cn", "password": "Strong-pass-2024"}
    )
    assert response.status_code == 302
    assert browser.get("/admin/").status_code == 200


def test_the_same_admin_email_may_sign_up_several_schools(platform_client, school_a):
    response = signup(platform_client, admin_email="admin@alpha.edu.cn")
    assert response.status_code == 302
    assert School.objects.filter(subdomain="ecnu").exists()
    browser = host_client(response["Location"])
    assert browser.get(path_of(response["Location"])).status_code == 302
    assert browser.get("/admin/").status_code == 200
    # Alpha's admin with the same e-mail is untouched.
    with inside(school_a):
        assert get_user_model().objects.get(email="admin@alpha.edu.cn").check_password(ADMIN_PASSWORD)


def test_the_handoff_link_works_only_once(platform_client):
    url = signup(platform_client)["Location"]
    assert host_client(url).get(path_of(url)).status_code == 302

    second = host_client(url)
    response = second.get(path_of(url))
    assert response.status_code == 400
    assert "登录链接已失效" in response.content.decode()
    assert "_auth_user_id" not in second.session
    assert second.get("/admin/").status_code == 302


def test_the_handoff_link_expires_after_two_minutes(platform_client, monkeypatch):
    url = signup(platform_client)["Location"]
    later = datetime.now() + timedelta(seconds=125)
    monkeypatch.setattr(handoff_tokens, "_now", lambda: later)
    browser = host_client(url)
    assert browser.get(path_of(url)).status_code == 400
    assert browser.get("/admin/").status_code == 302


def test_the_handoff_link_still_works_just_inside_its_lifetime(platform_client, monkeypatch):
    url = signup(platform_client)["Location"]
    soon = datetime.now() + timedelta(seconds=100)
    monkeypatch.setattr(handoff_tokens, "_now", lambda: soon)
    assert host_client(url).get(path_of(url)).status_code == 302


def test_a_handoff_token_is_worthless_on_another_schools_host(school_a, school_b):
    url = handoff_url(school=school_a, email="admin@alpha.edu.cn")
    with inside(school_a):
        alpha_admin = get_user_model().objects.get(email="admin@alpha.edu.cn")
    # Worst case on beta: a user with the very same id, password hash and last login (a copied
    # account), so only the token's binding to the school's schema can stop it.
    with inside(school_b):
        user_model = get_user_model()
        user_model.objects.filter(pk=alpha_admin.pk).delete()
        user_model.objects.create(
            pk=alpha_admin.pk,
            username="copied",
            email="copied@beta.edu.cn",
            password=alpha_admin.password,
            last_login=alpha_admin.last_login,
            is_staff=True,
            is_superuser=True,
        )

    on_beta = Client(HTTP_HOST="beta.localhost")
    assert on_beta.get(path_of(url)).status_code == 400
    assert on_beta.get("/admin/").status_code == 302

    on_alpha = Client(HTTP_HOST="alpha.localhost")
    assert on_alpha.get(path_of(url)).status_code == 302
    assert on_alpha.get("/admin/").status_code == 200


def test_a_tampered_or_unknown_token_is_refused(school_a):
    url = handoff_url(school=school_a, email="admin@alpha.edu.cn")
    uid, token = path_of(url).rstrip("/").split("/")[-2:]
    browser = Client(HTTP_HOST="alpha.localhost")
    assert browser.get(f"/accounts/handoff/{uid}/{token[:-1]}x/").status_code == 400
    assert browser.get(f"/accounts/handoff/bm9wZQ/{token}/").status_code == 400
    assert browser.get(f"/accounts/handoff/OTk5OTk5/{token}/").status_code == 400
    assert browser.get("/admin/").status_code == 302


def test_handoff_is_not_served_on_the_platform_host(school_a, platform_client):
    url = handoff_url(school=school_a, email="admin@alpha.edu.cn")
    assert platform_client.get(path_of(url)).status_code == 404


def test_a_failed_provisioning_shows_a_friendly_error_and_leaves_nothing(platform_client):
    def explode(**kwargs):
        raise RuntimeError("disk full")

    school_provisioned.connect(explode, dispatch_uid="test-explode")
    try:
        response = signup(platform_client)
    finally:
        school_provisioned.disconnect(dispatch_uid="test-explode")

    assert response.status_code == 200
    assert "开通学校时出现问题" in response.content.decode()
    assert "disk full" not in response.content.decode()  # no internals shown to visitors
    assert not School.objects.filter(subdomain="ecnu").exists()
    assert not Domain.objects.filter(domain="ecnu.localhost").exists()
    assert "ecnu" not in schemas()
    # And the subdomain can be used straight away.
    assert signup(platform_client).status_code == 302


def test_signups_are_throttled_per_address(platform_client, settings):
    settings.SIGNUP_RATE_LIMIT = 1
    assert signup(platform_client).status_code == 302
    response = signup(platform_client, subdomain="ecnu2")
    assert response.status_code == 200
    assert "注册过于频繁" in response.content.decode()
    assert not School.objects.filter(subdomain="ecnu2").exists()


def test_signup_requires_a_csrf_token():
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    assert client.post("/signup/", GOOD).status_code == 403
    assert not School.objects.filter(subdomain="ecnu").exists()


def test_handoff_url_targets_the_school_user_with_that_email(school_a):
    url = handoff_url(school=school_a, email="ADMIN@alpha.edu.cn")
    assert url.startswith("http://alpha.localhost:8000/accounts/handoff/")
    with schema_context("public"):
        assert not get_user_model().objects.filter(email="admin@alpha.edu.cn").exists()
