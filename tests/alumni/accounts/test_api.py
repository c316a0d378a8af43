"""The account REST API: auth flows, one error format, tokens per school, the X-School header."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from saas import urls_api
from tests.alumni.accounts.conftest import PASSWORD, make_user
from tests.conftest import ADMIN_PASSWORD, inside

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post(client, path, data=None, **extra):
    return client.post(f"/api/v1/{path}", data or {}, content_type=JSON, **extra)


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def api_login(client, identifier, password=PASSWORD, **extra):
    return post(client, "auth/login/", {"identifier": identifier, "password": password}, **extra)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_login_returns_token_that_opens_me(client_a, school_a):
    make_user(school_a, name="孙校友", phone="13800138001", email="sun@example.com")
    response = api_login(client_a, "138 0013 8001")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["name"] == "孙校友"
    assert body["user"]["is_school_admin"] is False
    me = client_a.get("/api/v1/me/", **bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["phone"] == "13800138001"
    # Logging in again (another device) gives the same token.
    assert api_login(client_a, "sun@example.com").json()["token"] == body["token"]


def test_school_admin_login_is_flagged(client_a):
    body = api_login(client_a, "admin@alpha.edu.cn", ADMIN_PASSWORD).json()
    assert body["user"]["is_school_admin"] is True


def test_wrong_password_is_login_failed(client_a, school_a):
    make_user(school_a, phone="13800138001")
    assert_error(api_login(client_a, "13800138001", "nope-nope"), 400, "login_failed")
    assert_error(api_login(client_a, "13999999999"), 400, "login_failed")


def test_inactive_user_cannot_log_in(client_a, school_a):
    make_user(school_a, phone="13800138001", is_active=False)
    assert_error(api_login(client_a, "13800138001"), 400, "login_failed")


def test_platform_operator_cannot_log_in_at_a_school(client_a):
    # Operators live in the public schema; a school's login only knows that school's users.
    get_user_model().objects.create_user(username="operator", email="op@alumni.cloud", password=PASSWORD)
    assert_error(api_login(client_a, "op@alumni.cloud"), 400, "login_failed")


def test_register_returns_token_and_normalises_contact(client_a, school_a):
    response = post(
        client_a,
        "auth/register/",
        {"name": " 周同学 ", "phone": "+86 13700137001", "email": "Zhou@Example.com", "password": PASSWORD},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["phone"] == "13700137001"
    assert body["user"]["email"] == "zhou@example.com"
    assert body["user"]["name"] == "周同学"
    assert client_a.get("/api/v1/me/", **bearer(body["token"])).json()["name"] == "周同学"


def test_register_validation_errors_have_fields(client_a, school_a):
    make_user(school_a, phone="13700137001")
    response = post(client_a, "auth/register/", {"name": "吴", "phone": "13700137001", "password": "123"})
    body = assert_error(response, 400, "invalid")
    assert body["fields"]["phone"] == ["该手机号已在本校注册，请直接登录"]
    assert body["fields"]["password"]  # too short, too common, all digits
    body = assert_error(
        post(client_a, "auth/register/", {"name": "吴", "password": PASSWORD}), 400, "invalid"
    )
    assert body["fields"]["phone"] == ["请填写手机号或邮箱（至少一项）"]
    body = assert_error(post(client_a, "auth/register/", {}), 400, "invalid")
    assert set(body["fields"]) == {"name", "password"}


def test_same_phone_registers_at_both_schools(client_a, client_b):
    data = {"name": "郑同学", "phone": "13700137002", "password": PASSWORD}
    assert post(client_a, "auth/register/", data).status_code == 201
    assert post(client_b, "auth/register/", data).status_code == 201
    assert_error(post(client_a, "auth/register/", data), 400, "invalid")


def test_logout_deletes_the_token(client_a, school_a):
    make_user(school_a, phone="13800138001")
    token = api_login(client_a, "13800138001").json()["token"]
    response = post(client_a, "auth/logout/", **bearer(token))
    assert response.status_code == 204
    assert_error(client_a.get("/api/v1/me/", **bearer(token)), 401, "authentication_failed")
    assert api_login(client_a, "13800138001").json()["token"] != token


def test_me_needs_authentication(client_a):
    response = client_a.get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"
    assert_error(post(client_a, "auth/logout/"), 401, "not_authenticated")
    assert_error(client_a.get("/api/v1/me/", **bearer("not-a-token")), 401, "authentication_failed")


def test_me_works_with_h5_session_too(client_a, school_a):
    make_user(school_a, name="冯校友", phone="13800138001")
    client_a.post("/accounts/login/", {"username": "13800138001", "password": PASSWORD})
    assert client_a.get("/api/v1/me/").json()["name"] == "冯校友"


def test_patch_me_updates_profile_and_checks_uniqueness(client_a, school_a):
    make_user(school_a, phone="13800138001")
    make_user(school_a, phone="13800138002", email="taken@example.com")
    token = api_login(client_a, "13800138001").json()["token"]
    response = client_a.patch(
        "/api/v1/me/", {"name": "陈新名", "email": "New@Example.com"}, content_type=JSON, **bearer(token)
    )
    assert response.status_code == 200
    assert response.json()["name"] == "陈新名"
    assert response.json()["email"] == "new@example.com"
    response = client_a.patch("/api/v1/me/", {"phone": "13800138002"}, content_type=JSON, **bearer(token))
    assert assert_error(response, 400, "invalid")["fields"]["phone"] == ["该手机号已在本校注册，请直接登录"]
    response = client_a.patch(
        "/api/v1/me/", {"email": "taken@example.com"}, content_type=JSON, **bearer(token)
    )
    assert "email" in assert_error(response, 400, "invalid")["fields"]
    # Clearing both ways to log in is refused.
    response = client_a.patch("/api/v1/me/", {"phone": "", "email": ""}, content_type=JSON, **bearer(token))
    assert_error(response, 400, "invalid")
    # New e-mail works for login.
    assert api_login(client_a, "new@example.com").status_code == 200


def test_token_from_school_a_is_rejected_at_school_b(client_a, client_b, school_a, school_b):
    make_user(school_a, phone="13800138001")
    make_user(school_b, phone="13800138001")
    token_a = api_login(client_a, "13800138001").json()["token"]
    assert client_a.get("/api/v1/me/", **bearer(token_a)).status_code == 200
    assert_error(client_b.get("/api/v1/me/", **bearer(token_a)), 401, "authentication_failed")


def test_school_info_is_public_and_per_school(client_a, client_b):
    a = client_a.get("/api/v1/school/")
    assert a.status_code == 200
    assert a.json()["name"] == "阿尔法大学"
    assert a.json()["short_name"] == "阿大"
    assert a.json()["home_url"].startswith("http://alpha.localhost")
    assert a.json()["logo_url"] is None
    assert a.json()["wechat_login"] == {"official": False, "miniprogram": False}
    assert client_b.get("/api/v1/school/").json()["name"] == "贝塔理工大学"


def test_x_school_header_on_platform_host(platform_client, school_a):
    response = platform_client.get("/api/v1/school/", HTTP_X_SCHOOL="alpha")
    assert response.status_code == 200
    assert response.json()["name"] == "阿尔法大学"
    assert platform_client.get("/api/v1/school/", HTTP_X_SCHOOL="BETA").json()["name"] == "贝塔理工大学"
    # Login and token use through the header work the same as on the school's host.
    make_user(school_a, name="卫校友", phone="13800138001")
    token = api_login(platform_client, "13800138001", HTTP_X_SCHOOL="alpha").json()["token"]
    me = platform_client.get("/api/v1/me/", HTTP_X_SCHOOL="alpha", **bearer(token))
    assert me.json()["name"] == "卫校友"
    assert_error(
        platform_client.get("/api/v1/me/", HTTP_X_SCHOOL="beta", **bearer(token)),
        401,
        "authentication_failed",
    )


def test_x_school_errors_use_the_api_format(platform_client):
    assert_error(platform_client.get("/api/v1/school/", HTTP_X_SCHOOL="nowhere"), 404, "school_not_found")
    assert_error(platform_client.get("/api/v1/school/"), 400, "school_required")


def test_x_school_is_ignored_on_a_school_host(client_a):
    # The header only picks a school on the platform host; a school's host always wins.
    assert client_a.get("/api/v1/school/", HTTP_X_SCHOOL="beta").json()["name"] == "阿尔法大学"


def test_unknown_paths_and_methods_use_the_error_format(client_a):
    assert_error(client_a.get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(client_a.get("/api/v2/"), 404, "not_found")
    assert_error(client_a.get("/api/v1/auth/login/"), 405, "method_not_allowed")
    response = client_a.post("/api/v1/auth/login/", "{not json", content_type=JSON)
    assert_error(response, 400, "parse_error")


def test_login_is_throttled(client_a, settings):
    settings.ACCOUNTS_AUTH_THROTTLE_RATE = "3/min"
    for _ in range(3):
        assert api_login(client_a, "13800138009", "wrong").status_code == 400
    assert_error(api_login(client_a, "13800138009", "wrong"), 429, "throttled")
    # Another school keeps its own counter.
    client_b = Client(HTTP_HOST="beta.localhost")
    assert api_login(client_b, "13800138009", "wrong").status_code == 400


def test_schema_and_swagger_ui(client_a, platform_client):
    schema = client_a.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    # The account endpoints are all there, and nothing but /api/v1/ (no Wagtail internals).
    assert all(path.startswith("/api/v1/") for path in paths)
    assert set(paths) >= {
        f"/api/v1/{path}"
        for path in [
            "auth/login/",
            "auth/register/",
            "auth/logout/",
            "auth/wechat/miniprogram/",
            "me/",
            "school/",
        ]
    }
    assert "BearerAuth" in str(schema.json()["components"]["securitySchemes"]) or "tokenAuth" in str(
        schema.json()["components"]["securitySchemes"]
    )
    docs = client_a.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert platform_client.get("/api/docs/", HTTP_X_SCHOOL="alpha").status_code == 200


def test_schema_generates_without_warnings(school_a):
    with inside(school_a):
        GENERATOR_STATS.reset()
        SchemaGenerator(patterns=urls_api.schema_patterns).get_schema(request=None, public=True)
        assert not GENERATOR_STATS._warn_cache, list(GENERATOR_STATS._warn_cache)
        assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)
    connection.set_schema_to_public()


def test_changed_phone_is_free_for_someone_else_to_use(client_a):
    first = post(
        client_a, "auth/register/", {"name": "甲", "phone": "13800138001", "password": PASSWORD}
    ).json()
    response = client_a.patch(
        "/api/v1/me/", {"phone": "13800138002"}, content_type=JSON, **bearer(first["token"])
    )
    assert response.json()["phone"] == "13800138002"
    assert (
        post(
            client_a, "auth/register/", {"name": "乙", "phone": "13800138001", "password": PASSWORD}
        ).status_code
        == 201
    )
    assert api_login(client_a, "13800138001").json()["user"]["name"] == "乙"
    assert api_login(client_a, "13800138002").json()["user"]["name"] == "甲"
