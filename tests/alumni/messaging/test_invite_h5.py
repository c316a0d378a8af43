"""The invitation link in a phone browser: landing page states, register/log in and come back,
accept once; and the mini-program API for the same."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone

from alumni.messaging.models import Invitation
from alumni.messaging.services.invites import invite_revoke
from tests.alumni.messaging.invite_support import *  # noqa: F403
from tests.alumni.messaging.invite_support import PASSWORD, make_invite, make_user
from tests.conftest import host_of, inside

pytestmark = pytest.mark.django_db


def landing(secret: str) -> str:
    return f"/messages/i/{secret}/"


def test_anonymous_sees_who_invites_and_for_what(client_a, school_a):
    _inv, secret = make_invite(school_a, name="李同学")
    response = client_a.get(landing(secret))
    page = response.content.decode()
    assert response.status_code == 200
    assert "李同学" in page and "邀请你注册校友账号" in page and "阿大管理员" in page
    assert "注册并接受邀请" in page and "已有账号，登录后接受" in page
    assert response["Referrer-Policy"] == "no-referrer"


def test_register_through_the_invitation_prefills_and_uses_it(client_a, school_a):
    invitation, secret = make_invite(
        school_a, name="李同学", channel="sms", address="13912345678", payload={"email": "li@example.com"}
    )
    response = client_a.post(landing(secret), {"action": "register"})
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == "/accounts/register/"
    next_url = parse_qs(target.query)["next"][0]
    assert next_url == f"/messages/i/{secret}/accept/"
    form_page = client_a.get(response["Location"]).content.decode()
    assert (
        'value="李同学"' in form_page
        and 'value="13912345678"' in form_page
        and 'value="li@example.com"' in form_page
    )

    response = client_a.post(
        "/accounts/register/",
        {
            "name": "李同学",
            "phone": "13912345678",
            "email": "li@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": next_url,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/alumni/verify/"
    assert "已接受邀请" in response.content.decode()
    with inside(school_a):
        row = Invitation.objects.select_related("used_by").get(pk=invitation.pk)
        assert row.used_by.phone == "13912345678" and row.used_at is not None
    # The link now explains it was used (to the new alumnus: nothing left to do).
    assert "你已经接受了这个邀请" in client_a.get(landing(secret)).content.decode()


def test_existing_alumnus_logs_in_and_comes_back(client_a, school_a, alumnus_a):
    invitation, secret = make_invite(school_a)
    response = client_a.post(landing(secret), {"action": "login"})
    assert urlparse(response["Location"]).path == "/accounts/login/"
    response = client_a.post(
        response["Location"], {"username": "13800000001", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/alumni/verify/"
    with inside(school_a):
        assert Invitation.objects.get(pk=invitation.pk).used_by_id == alumnus_a.pk


def test_logged_in_alumnus_accepts_with_one_button(alumnus_client_a, school_a, alumnus_a):
    invitation, secret = make_invite(school_a)
    page = alumnus_client_a.get(landing(secret)).content.decode()
    assert "以「校友小张」的身份接受邀请" in page
    response = alumnus_client_a.post(f"/messages/i/{secret}/accept/")
    assert response.status_code == 302 and response["Location"] == "/alumni/verify/"
    with inside(school_a):
        assert Invitation.objects.get(pk=invitation.pk).used_by_id == alumnus_a.pk


def test_a_bare_get_of_the_accept_url_changes_nothing(alumnus_client_a, client_a, school_a):
    invitation, secret = make_invite(school_a)
    for client in (alumnus_client_a, client_a):
        response = client.get(f"/messages/i/{secret}/accept/")
        assert response.status_code == 302 and response["Location"] == landing(secret)
    assert client_a.post(f"/messages/i/{secret}/accept/").status_code == 302  # anonymous → landing
    with inside(school_a):
        assert Invitation.objects.get(pk=invitation.pk).used_at is None


def test_used_expired_revoked_and_unknown_links_explain_themselves(client_a, school_a, admin_a, alumnus_a):
    used, used_secret = make_invite(school_a, address="u@example.com")
    expired, expired_secret = make_invite(school_a, address="e@example.com")
    revoked, revoked_secret = make_invite(school_a, address="r@example.com")
    with inside(school_a):
        Invitation.objects.filter(pk=used.pk).update(used_at=timezone.now(), used_by=alumnus_a)
        Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        invite_revoke(invitation=revoked, actor=admin_a)
    cases = {
        used_secret: (410, "被接受。每个邀请链接只能使用一次"),
        expired_secret: (410, "过期。请联系校友会重新发送"),
        revoked_secret: (410, "已被校友会撤销"),
        "no-such-invitation-secret-0123456789abcdefghijk": (404, "邀请链接无效"),
    }
    for secret, (status, text) in cases.items():
        response = client_a.get(landing(secret))
        assert response.status_code == status
        page = response.content.decode()
        assert text in page and "注册并接受邀请" not in page
    # Starting registration from a dead link is refused too.
    assert client_a.post(landing(expired_secret), {"action": "register"}).status_code == 410


def test_alpha_link_is_unknown_at_beta(client_b, school_a):
    _inv, secret = make_invite(school_a)
    assert client_b.get(landing(secret)).status_code == 404
    assert client_b.get(f"/api/v1/invites/{secret}/").status_code == 404


# --- API ------------------------------------------------------------------------------------------


def test_api_look_then_accept(school_a, alumnus_client_a, alumnus_a):
    _inv, secret = make_invite(school_a, name="李同学")
    anonymous = Client(HTTP_HOST=host_of(school_a))
    data = anonymous.get(f"/api/v1/invites/{secret}/").json()
    assert data["status"] == "pending" and data["name"] == "李同学" and data["purpose"] == "register"
    assert data["school"] == "阿尔法大学" and data["accepted_by_me"] is False
    assert anonymous.post(f"/api/v1/invites/{secret}/accept/").status_code in (401, 403)

    response = alumnus_client_a.post(f"/api/v1/invites/{secret}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "used" and response.json()["next_url"] == "/alumni/verify/"
    assert alumnus_client_a.get(f"/api/v1/invites/{secret}/").json()["accepted_by_me"] is True

    again = alumnus_client_a.post(f"/api/v1/invites/{secret}/accept/")
    assert again.status_code == 403 and again.json()["code"] == "invite_invalid"
    assert "已经被接受" in again.json()["detail"]


def test_api_accept_with_a_bearer_token(school_a):
    make_user(school_a, name="小程序校友", phone="13600000006")
    _inv, secret = make_invite(school_a)
    client = Client(HTTP_HOST=host_of(school_a))
    token = client.post(
        "/api/v1/auth/login/",
        {"identifier": "13600000006", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    response = client.post(f"/api/v1/invites/{secret}/accept/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert client.get("/api/v1/invites/nope/").json()["code"] == "not_found"
