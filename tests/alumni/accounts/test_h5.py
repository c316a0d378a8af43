"""H5 account pages: register, log in, log out, my account — per school, as a visitor sees them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.alumni.accounts.conftest import OFFICIAL_A, PASSWORD, WECHAT_UA, configure_wechat, make_user
from tests.conftest import ADMIN_PASSWORD, host_of, inside

pytestmark = pytest.mark.django_db


def register(client, **overrides):
    data = {
        "name": "李同学",
        "phone": "",
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post("/accounts/register/", data)


def users_in(school):
    with inside(school):
        return list(get_user_model().objects.values_list("name", "phone", "email"))


def test_register_with_phone_normalises_it_and_logs_in(client_a, school_a):
    response = register(client_a, phone="+86 138-0013-8000")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert ("李同学", "13800138000", "") in users_in(school_a)
    me = client_a.get("/accounts/me/")
    assert me.status_code == 200
    page = me.content.decode()
    assert "李同学" in page and "13800138000" in page


def test_register_with_email_then_log_in_with_it(client_a, school_a):
    assert register(client_a, email="Li.Tong@Example.COM").status_code == 302
    assert ("李同学", None, "li.tong@example.com") in users_in(school_a)
    client_a.post("/accounts/logout/")
    response = client_a.post("/accounts/login/", {"username": "li.tong@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_register_shows_clear_chinese_errors(client_a, school_a):
    response = register(client_a, name="", password1="12345678", password2="87654321")
    assert response.status_code == 200
    page = response.content.decode()
    assert "请填写手机号或邮箱" in page
    assert "两次输入的密码不一致" in page
    assert "请填写姓名" in page
    assert "密码只包含数字" in page  # Django's password validators, in Chinese
    assert "这个密码太常见了" in page
    assert users_in(school_a) == [("阿大管理员", None, "admin@alpha.edu.cn")]


def test_register_rejects_bad_phone_and_email(client_a):
    page = register(client_a, phone="1234", email="not-an-email").content.decode()
    assert "请输入正确的 11 位手机号" in page
    assert "请输入正确的邮箱地址" in page


def test_duplicate_phone_or_email_rejected_in_same_school_but_fine_at_another(
    client_a, client_b, school_a, school_b
):
    make_user(school_a, phone="13900139000", email="wang@example.com")
    page = register(client_a, phone="139 0013 9000").content.decode()
    assert "该手机号已在本校注册" in page
    page = register(client_a, email="WANG@example.com").content.decode()
    assert "该邮箱已在本校注册" in page
    assert register(client_b, phone="13900139000", email="wang@example.com").status_code == 302
    assert ("李同学", "13900139000", "wang@example.com") in users_in(school_b)


@pytest.mark.parametrize("identifier", ["13700137000", "+86 137 0013 7000", "zhao@example.com", "zhao_user"])
def test_login_with_phone_email_or_username(client_a, school_a, identifier):
    make_user(school_a, name="赵校友", phone="13700137000", email="zhao@example.com", username="zhao_user")
    response = client_a.post("/accounts/login/", {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert "赵校友" in client_a.get("/accounts/me/").content.decode()


def test_wrong_password_and_other_schools_account_are_refused(client_a, client_b, school_a):
    make_user(school_a, phone="13700137000")
    response = client_a.post("/accounts/login/", {"username": "13700137000", "password": "wrong-password"})
    assert response.status_code == 200
    assert "账号或密码错误" in response.content.decode()
    response = client_b.post("/accounts/login/", {"username": "13700137000", "password": PASSWORD})
    assert "账号或密码错误" in response.content.decode()
    assert client_b.get("/accounts/me/").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/accounts/me/", "/accounts/me/"),
        ("/news/?page=2", "/news/?page=2"),
        ("https://evil.example.com/steal", "/"),
        ("//evil.example.com/", "/"),
        ("http://beta.localhost/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_honours_next_only_on_this_host(client_a, school_a, next_url, expected):
    make_user(school_a, phone="13600136000")
    response = client_a.post(
        "/accounts/login/", {"username": "13600136000", "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == expected


@pytest.mark.parametrize(
    ("next_url", "expected"), [("/accounts/me/", "/accounts/me/"), ("https://evil.com/", "/")]
)
def test_register_honours_next_only_on_this_host(client_a, next_url, expected):
    response = client_a.post(
        f"/accounts/register/?next={next_url}",
        {"name": "钱同学", "phone": "13500135000", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == expected


def test_login_page_keeps_next_in_form_and_register_link(client_a):
    page = client_a.get("/accounts/login/?next=/events/").content.decode()
    assert 'name="next" value="/events/"' in page
    assert "/accounts/register/?next=%2Fevents%2F" in page


def test_logout_needs_post_and_ends_the_session(client_a, school_a):
    make_user(school_a, phone="13600136000")
    client_a.post("/accounts/login/", {"username": "13600136000", "password": PASSWORD})
    assert client_a.get("/accounts/logout/").status_code == 405
    assert client_a.get("/accounts/me/").status_code == 200
    response = client_a.post("/accounts/logout/", follow=True)
    assert "你已退出登录" in response.content.decode()
    assert client_a.get("/accounts/me/").status_code == 302


def test_me_requires_login(client_a):
    response = client_a.get("/accounts/me/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/me/"


def test_me_shows_admin_link_only_to_school_admin(client_a, school_a):
    make_user(school_a, phone="13600136000")
    client_a.post("/accounts/login/", {"username": "admin@alpha.edu.cn", "password": ADMIN_PASSWORD})
    page = client_a.get("/accounts/me/").content.decode()
    assert "进入管理后台" in page and "退出登录" in page
    client_a.post("/accounts/logout/")
    client_a.post("/accounts/login/", {"username": "13600136000", "password": PASSWORD})
    page = client_a.get("/accounts/me/").content.decode()
    assert "退出登录" in page and "进入管理后台" not in page


def test_session_from_school_a_is_anonymous_at_school_b(school_a, school_b):
    make_user(school_a, phone="13600136000")
    browser = Client()
    browser.post(
        "/accounts/login/", {"username": "13600136000", "password": PASSWORD}, HTTP_HOST=host_of(school_a)
    )
    assert browser.get("/accounts/me/", HTTP_HOST=host_of(school_a)).status_code == 200
    # The same cookie jar sent to school B: B's schema has no such session.
    assert browser.get("/accounts/me/", HTTP_HOST=host_of(school_b)).status_code == 302


def test_wechat_button_only_in_wechat_browser_of_configured_school(client_a, client_b, school_a):
    configure_wechat(school_a, official=OFFICIAL_A)
    assert "微信登录" in client_a.get("/accounts/login/", HTTP_USER_AGENT=WECHAT_UA).content.decode()
    assert (
        "微信登录"
        not in client_a.get("/accounts/login/", HTTP_USER_AGENT="Mozilla/5.0 Safari").content.decode()
    )
    # School B has no AppID: no button even inside WeChat.
    assert "微信登录" not in client_b.get("/accounts/login/", HTTP_USER_AGENT=WECHAT_UA).content.decode()


def test_logged_in_visitor_is_sent_on_from_login_and_register(client_a, school_a):
    make_user(school_a, phone="13600136000")
    client_a.post("/accounts/login/", {"username": "13600136000", "password": PASSWORD})
    assert client_a.get("/accounts/login/")["Location"] == "/"
    assert client_a.get("/accounts/register/")["Location"] == "/accounts/me/"
