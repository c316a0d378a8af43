"""WeChat sign-in, driven through the real wechatpy library against the local WeChat stand-in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from alumni.accounts import tickets
from alumni.accounts.models import WeChatIdentity
from tests.alumni.accounts.conftest import (
    MINI_A,
    MINI_B,
    OFFICIAL_A,
    PASSWORD,
    WECHAT_UA,
    configure_wechat,
    make_user,
)
from tests.alumni.accounts.wechat_standin import Person, openid_for
from tests.conftest import inside

pytestmark = pytest.mark.django_db

JSON = "application/json"
XIAOMING = Person(
    key="xiaoming", nickname="小明", unionid="union-xiaoming", avatar_url="http://img.example/x.png"
)


def identities(school):
    with inside(school):
        return list(
            WeChatIdentity.objects.order_by("pk").values(
                "user__phone", "app_id", "openid", "unionid", "kind", "nickname"
            )
        )


# --- Official account OAuth (inside WeChat's browser) ---------------------------------------


def start_oauth(client, next_url="/events/"):
    """Click 微信登录: returns the `state` WeChat would echo back."""
    response = client.get(f"/accounts/wechat/login/?next={next_url}", HTTP_USER_AGENT=WECHAT_UA)
    assert response.status_code == 302
    return response["Location"]


def oauth_return(client, wechat, authorize_url, person, app_id=OFFICIAL_A[0]):
    """What WeChat does after the visitor agrees: redirect to our callback with code + state."""
    query = parse_qs(urlsplit(authorize_url).query)
    code = wechat.issue_code(app_id, person)
    return client.get(
        "/accounts/wechat/callback/", {"code": code, "state": query["state"][0]}, HTTP_USER_AGENT=WECHAT_UA
    )


def test_wechat_login_redirects_to_wechat_consent_page(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    location = start_oauth(client_a)
    parts = urlsplit(location)
    assert location.startswith(wechat.url + "connect/oauth2/authorize?")
    assert location.endswith("#wechat_redirect")
    query = parse_qs(parts.query)
    assert query["appid"] == [OFFICIAL_A[0]]
    assert query["scope"] == ["snsapi_userinfo"]
    assert query["redirect_uri"] == ["http://alpha.localhost/accounts/wechat/callback/"]
    state = query["state"][0]
    # WeChat allows at most 128 characters of [a-zA-Z0-9] in state.
    assert state.isalnum() and len(state) <= 128


def test_wechat_login_without_configuration_says_so(client_b, wechat):
    response = client_b.get("/accounts/wechat/login/", HTTP_USER_AGENT=WECHAT_UA)
    assert response.status_code == 404
    assert "尚未开通微信登录" in response.content.decode()


def test_new_wechat_user_logs_in_with_password_and_gets_bound(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    make_user(school_a, name="王小明", phone="13800138000")
    response = oauth_return(client_a, wechat, start_oauth(client_a), XIAOMING)
    # Not bound yet: asked to log in or register, `next` kept.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fevents%2F"
    page = client_a.get(response["Location"], HTTP_USER_AGENT=WECHAT_UA).content.decode()
    assert "小明" in page and "尚未绑定本校账号" in page
    assert client_a.get("/accounts/me/").status_code == 302  # not logged in by WeChat alone
    response = client_a.post(
        "/accounts/login/", {"username": "13800138000", "password": PASSWORD, "next": "/events/"}
    )
    assert response["Location"] == "/events/"
    [identity] = identities(school_a)
    assert identity == {
        "user__phone": "13800138000",
        "app_id": OFFICIAL_A[0],
        "openid": openid_for(OFFICIAL_A[0], "xiaoming"),
        "unionid": "union-xiaoming",
        "kind": "official",
        "nickname": "小明",
    }
    me = client_a.get("/accounts/me/").content.decode()
    assert "小明" in me and "公众号" in me
    assert wechat.paths_called()[-2:] == ["/sns/oauth2/access_token", "/sns/userinfo"]

    # Next time WeChat alone logs them in and sends them on.
    client_a.post("/accounts/logout/")
    response = oauth_return(client_a, wechat, start_oauth(client_a, "/accounts/me/"), XIAOMING)
    assert response["Location"] == "/accounts/me/"
    assert "王小明" in client_a.get("/accounts/me/").content.decode()


def test_new_wechat_user_registers_and_gets_bound(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    oauth_return(client_a, wechat, start_oauth(client_a), XIAOMING)
    page = client_a.get("/accounts/register/", HTTP_USER_AGENT=WECHAT_UA).content.decode()
    assert "登录或注册后将自动绑定" in page
    response = client_a.post(
        "/accounts/register/",
        {"name": "王小明", "phone": "13800138000", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )
    assert "已绑定微信「小明」" in response.content.decode()
    assert identities(school_a)[0]["user__phone"] == "13800138000"


def test_logged_in_user_binds_wechat_directly(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    make_user(school_a, phone="13800138000")
    client_a.post("/accounts/login/", {"username": "13800138000", "password": PASSWORD})
    page = client_a.get("/accounts/me/", HTTP_USER_AGENT=WECHAT_UA).content.decode()
    assert "绑定微信" in page
    response = oauth_return(client_a, wechat, start_oauth(client_a, "/accounts/me/"), XIAOMING)
    assert response["Location"] == "/accounts/me/"
    assert identities(school_a)[0]["user__phone"] == "13800138000"
    # Unbinding from my account page.
    with inside(school_a):
        pk = WeChatIdentity.objects.get().pk
    client_a.post(f"/accounts/wechat/{pk}/unbind/")
    assert identities(school_a) == []


def test_wechat_bound_to_someone_else_is_not_rebound(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    make_user(school_a, phone="13800138000")
    make_user(school_a, phone="13900139000")
    client_a.post("/accounts/login/", {"username": "13800138000", "password": PASSWORD})
    oauth_return(client_a, wechat, start_oauth(client_a), XIAOMING)
    client_a.post("/accounts/logout/")
    client_a.post("/accounts/login/", {"username": "13900139000", "password": PASSWORD})
    response = oauth_return(client_a, wechat, start_oauth(client_a), XIAOMING)
    assert response["Location"] == "/accounts/me/"
    assert "该微信已绑定本校的另一个账号" in client_a.get("/accounts/me/").content.decode()
    assert identities(school_a)[0]["user__phone"] == "13800138000"


def test_callback_rejects_forged_or_replayed_state(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    authorize_url = start_oauth(client_a)
    code = wechat.issue_code(OFFICIAL_A[0], XIAOMING)
    forged = client_a.get("/accounts/wechat/callback/", {"code": code, "state": "0" * 48})
    assert forged.status_code == 400
    assert "链接已失效" in forged.content.decode()
    # The round trip was consumed by the failed attempt, so the real state no longer works either.
    assert oauth_return(client_a, wechat, authorize_url, XIAOMING).status_code == 400
    # A state minted for another browser's session does not work in this one.
    other = start_oauth(client_a.__class__(HTTP_HOST="alpha.localhost"))
    assert oauth_return(client_a, wechat, other, XIAOMING).status_code == 400
    assert identities(school_a) == []


def test_callback_with_invalid_code_shows_wechat_error(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    state = parse_qs(urlsplit(start_oauth(client_a)).query)["state"][0]
    response = client_a.get("/accounts/wechat/callback/", {"code": "expired-code", "state": state})
    assert response.status_code == 502
    assert "微信登录凭证无效" in response.content.decode()  # stand-in answered errcode 40029


def test_declined_consent_goes_back_to_login(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    state = parse_qs(urlsplit(start_oauth(client_a)).query)["state"][0]
    response = client_a.get("/accounts/wechat/callback/", {"state": state}, follow=True)
    assert "你取消了微信授权" in response.content.decode()


def test_same_openid_at_school_b_does_not_open_school_a_account(
    client_a, client_b, school_a, school_b, wechat
):
    # Both schools (mis)configured with the same official account: the openid is identical.
    configure_wechat(school_a, official=OFFICIAL_A, standin=wechat)
    configure_wechat(school_b, official=OFFICIAL_A, standin=wechat)
    make_user(school_a, name="阿大校友", phone="13800138000")
    client_a.post("/accounts/login/", {"username": "13800138000", "password": PASSWORD})
    oauth_return(client_a, wechat, start_oauth(client_a), XIAOMING)
    assert identities(school_a)[0]["user__phone"] == "13800138000"

    response = oauth_return(client_b, wechat, start_oauth(client_b), XIAOMING)
    assert response["Location"].startswith("/accounts/login/")
    assert client_b.get("/accounts/me/").status_code == 302
    [pending] = identities(school_b)
    assert pending["openid"] == openid_for(OFFICIAL_A[0], "xiaoming")
    assert pending["user__phone"] is None


# --- Mini-program code2session ----------------------------------------------------------------


def mini_login(client, code, **extra):
    return client.post("/api/v1/auth/wechat/miniprogram/", {"code": code}, content_type=JSON, **extra)


def test_miniprogram_unbound_then_password_login_binds(client_a, school_a, wechat):
    configure_wechat(school_a, mini=MINI_A, standin=wechat)
    make_user(school_a, name="王小明", phone="13800138000")
    response = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING))
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "wechat_unbound"
    assert body["expires_in"] == 600
    assert "token" not in body
    assert wechat.paths_called()[-1] == "/sns/jscode2session"

    login = client_a.post(
        "/api/v1/auth/login/",
        {"identifier": "13800138000", "password": PASSWORD, "bind_ticket": body["bind_ticket"]},
        content_type=JSON,
    )
    assert login.status_code == 200
    assert login.json()["user"]["wechat"][0]["kind"] == "miniprogram"
    [identity] = identities(school_a)
    assert identity["openid"] == openid_for(MINI_A[0], "xiaoming")
    assert identity["unionid"] == "union-xiaoming"
    assert identity["user__phone"] == "13800138000"

    # The next wx.login() code logs straight in.
    again = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING))
    assert again.json()["token"] == login.json()["token"]
    assert again.json()["user"]["name"] == "王小明"


def test_miniprogram_register_with_bind_ticket(client_a, school_a, wechat):
    configure_wechat(school_a, mini=MINI_A, standin=wechat)
    ticket = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING)).json()["bind_ticket"]
    response = client_a.post(
        "/api/v1/auth/register/",
        {"name": "王小明", "email": "xm@example.com", "password": PASSWORD, "bind_ticket": ticket},
        content_type=JSON,
    )
    assert response.status_code == 201
    assert identities(school_a)[0]["user__phone"] is None
    with inside(school_a):
        assert WeChatIdentity.objects.get().user.email == "xm@example.com"
    assert "token" in mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING)).json()


def test_miniprogram_invalid_or_reused_code(client_a, school_a, wechat):
    configure_wechat(school_a, mini=MINI_A, standin=wechat)
    response = mini_login(client_a, "made-up-code")
    assert response.status_code == 400
    assert response.json() == {"code": "wechat_error", "detail": "微信登录凭证无效，请重新进入后再试"}
    code = wechat.issue_code(MINI_A[0], XIAOMING)
    assert mini_login(client_a, code).status_code == 200
    assert mini_login(client_a, code).json()["code"] == "wechat_error"  # 40163 code been used
    assert mini_login(client_a, "").json()["code"] == "invalid"


def test_miniprogram_wrong_secret_reports_configuration_problem(client_a, school_a, wechat):
    configure_wechat(school_a, mini=MINI_A)
    wechat.add_app(MINI_A[0], "f" * 32)  # WeChat knows a different secret
    response = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING))
    assert response.json() == {
        "code": "wechat_error",
        "detail": "学校的微信 AppSecret 配置有误，请联系校友会",
    }


def test_miniprogram_not_configured(client_b, wechat):
    response = mini_login(client_b, "whatever")
    assert response.status_code == 400
    assert response.json()["code"] == "wechat_not_configured"


def test_bind_ticket_is_bound_to_its_school_and_expires(
    client_a, client_b, school_a, school_b, wechat, monkeypatch
):
    configure_wechat(school_a, mini=MINI_A, standin=wechat)
    make_user(school_a, phone="13800138000")
    make_user(school_b, phone="13800138000")
    ticket = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING)).json()["bind_ticket"]
    data = {"identifier": "13800138000", "password": PASSWORD, "bind_ticket": ticket}
    response = client_b.post("/api/v1/auth/login/", data, content_type=JSON)
    assert response.status_code == 403
    assert response.json()["code"] == "bind_ticket_invalid"
    data["bind_ticket"] = ticket[:-2] + "xx"
    assert (
        client_a.post("/api/v1/auth/login/", data, content_type=JSON).json()["code"] == "bind_ticket_invalid"
    )
    monkeypatch.setattr(tickets, "BIND_TICKET_MAX_AGE", -1)
    reg = {"name": "过期", "phone": "13700137000", "password": PASSWORD, "bind_ticket": ticket}
    assert (
        client_a.post("/api/v1/auth/register/", reg, content_type=JSON).json()["code"]
        == "bind_ticket_invalid"
    )
    # Nothing was created by the refused registration.
    assert (
        client_a.post(
            "/api/v1/auth/login/", {"identifier": "13700137000", "password": PASSWORD}, content_type=JSON
        ).status_code
        == 400
    )


def test_bind_ticket_cannot_steal_a_bound_wechat(client_a, school_a, wechat):
    configure_wechat(school_a, mini=MINI_A, standin=wechat)
    make_user(school_a, phone="13800138000")
    make_user(school_a, phone="13900139000")
    ticket = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING)).json()["bind_ticket"]
    first = {"identifier": "13800138000", "password": PASSWORD, "bind_ticket": ticket}
    assert client_a.post("/api/v1/auth/login/", first, content_type=JSON).status_code == 200
    second = {"identifier": "13900139000", "password": PASSWORD, "bind_ticket": ticket}
    response = client_a.post("/api/v1/auth/login/", second, content_type=JSON)
    assert response.status_code == 409
    assert response.json()["code"] == "wechat_already_bound"
    assert identities(school_a)[0]["user__phone"] == "13800138000"


def test_unionid_links_official_account_and_miniprogram(client_a, school_a, wechat):
    configure_wechat(school_a, official=OFFICIAL_A, mini=MINI_A, standin=wechat)
    make_user(school_a, name="王小明", phone="13800138000")
    client_a.post("/accounts/login/", {"username": "13800138000", "password": PASSWORD})
    oauth_return(client_a, wechat, start_oauth(client_a), XIAOMING)
    # Same person opens the mini-program: different openid, same unionid -> logged straight in.
    body = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING)).json()
    assert body["user"]["name"] == "王小明"
    assert {i["kind"] for i in identities(school_a)} == {"official", "miniprogram"}
    assert {i["user__phone"] for i in identities(school_a)} == {"13800138000"}


def test_same_person_at_school_b_miniprogram_is_not_school_a_user(
    client_a, client_b, platform_client, school_a, school_b, wechat
):
    configure_wechat(school_a, mini=MINI_A, standin=wechat)
    configure_wechat(school_b, mini=MINI_B, standin=wechat)
    make_user(school_a, phone="13800138000")
    ticket = mini_login(client_a, wechat.issue_code(MINI_A[0], XIAOMING)).json()["bind_ticket"]
    data = {"identifier": "13800138000", "password": PASSWORD, "bind_ticket": ticket}
    client_a.post("/api/v1/auth/login/", data, content_type=JSON)
    body = mini_login(client_b, wechat.issue_code(MINI_B[0], XIAOMING)).json()
    assert body["code"] == "wechat_unbound"
    # Even via the X-School header on the platform host.
    body = mini_login(platform_client, wechat.issue_code(MINI_B[0], XIAOMING), HTTP_X_SCHOOL="beta").json()
    assert body["code"] == "wechat_unbound"


def test_miniprogram_via_x_school_header(platform_client, school_a, wechat):
    configure_wechat(school_a, mini=MINI_A, standin=wechat)
    make_user(school_a, phone="13800138000")
    body = mini_login(platform_client, wechat.issue_code(MINI_A[0], XIAOMING), HTTP_X_SCHOOL="alpha").json()
    assert body["code"] == "wechat_unbound"
    login = platform_client.post(
        "/api/v1/auth/login/",
        {"identifier": "13800138000", "password": PASSWORD, "bind_ticket": body["bind_ticket"]},
        content_type=JSON,
        HTTP_X_SCHOOL="alpha",
    )
    assert login.status_code == 200
    assert identities(school_a)[0]["user__phone"] == "13800138000"
    # A ticket from alpha sent with X-School: beta is refused.
    ticket = mini_login(
        platform_client, wechat.issue_code(MINI_A[0], Person(key="other")), HTTP_X_SCHOOL="alpha"
    ).json()["bind_ticket"]
    response = platform_client.post(
        "/api/v1/auth/register/",
        {"name": "路人", "phone": "13700137000", "password": PASSWORD, "bind_ticket": ticket},
        content_type=JSON,
        HTTP_X_SCHOOL="beta",
    )
    assert response.json()["code"] == "bind_ticket_invalid"
