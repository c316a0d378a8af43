"""The payer's openid registry: billing asks, alumni.accounts answers from its WeChat identities."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from alumni.accounts.models import WeChatIdentity
from alumni.accounts.payer import wechat_openid
from billing.payments import payer
from billing.payments.payer import payer_openid, register_openid_resolver, unregister_openid_resolver
from tests.billing.payments.paying_support import MINI_APP, MP_APP, bind_wechat, make_user
from tests.conftest import inside

pytestmark = pytest.mark.django_db

OFFICIAL = WeChatIdentity.Kind.OFFICIAL
MINI = WeChatIdentity.Kind.MINIPROGRAM


def test_accounts_registers_its_resolver_at_start_up():
    assert wechat_openid in payer._resolvers


def test_official_account_and_mini_program_openids_are_told_apart(school_a):
    user = make_user(school_a, "13900000101")
    bind_wechat(school_a, user, kind=OFFICIAL, app_id=MP_APP, openid="o-mp-101")
    bind_wechat(school_a, user, kind=MINI, app_id=MINI_APP, openid="o-mini-101")
    with inside(school_a):
        assert payer_openid(user, kind="mp") == "o-mp-101"
        assert payer_openid(user, kind="mini") == "o-mini-101"
        assert payer_openid(user, kind="mp", app_id=MP_APP) == "o-mp-101"


def test_an_openid_of_another_app_is_not_used(school_a):
    # WeChat Pay rejects an openid that belongs to a different AppID than the merchant's.
    user = make_user(school_a, "13900000102")
    bind_wechat(school_a, user, kind=OFFICIAL, app_id="wx_old_account", openid="o-old-102")
    with inside(school_a):
        assert payer_openid(user, kind="mp", app_id=MP_APP) == ""
        assert payer_openid(user, kind="mp") == "o-old-102"


def test_nobody_unbound_or_anonymous_has_no_openid(school_a):
    user = make_user(school_a, "13900000103")
    other = make_user(school_a, "13900000104")
    bind_wechat(school_a, other, kind=OFFICIAL, app_id=MP_APP, openid="o-mp-104")
    with inside(school_a):
        assert payer_openid(user, kind="mp") == ""
        assert payer_openid(AnonymousUser(), kind="mp") == ""
        assert payer_openid(None, kind="mini") == ""


def test_an_openid_is_looked_up_in_the_users_own_school(school_a, school_b):
    user = make_user(school_a, "13900000105")
    bind_wechat(school_a, user, kind=OFFICIAL, app_id=MP_APP, openid="o-mp-105")
    with inside(school_b):
        assert payer_openid(user, kind="mp") == ""


def test_unknown_kind_is_a_programming_error(school_a):
    user = make_user(school_a, "13900000106")
    with inside(school_a), pytest.raises(ValueError):
        payer_openid(user, kind="official")


def test_first_resolver_that_knows_the_user_wins(school_a):
    user = make_user(school_a, "13900000107")

    def from_elsewhere(user, *, kind, app_id):
        return f"elsewhere-{kind}"

    register_openid_resolver(from_elsewhere)
    register_openid_resolver(from_elsewhere)  # registering twice asks once
    try:
        assert payer._resolvers.count(from_elsewhere) == 1
        with inside(school_a):
            # alumni.accounts knows nothing about this user, so the next resolver answers.
            assert payer_openid(user, kind="mini") == "elsewhere-mini"
            bind_wechat(school_a, user, kind=MINI, app_id=MINI_APP, openid="o-mini-107")
            assert payer_openid(user, kind="mini") == "o-mini-107"
    finally:
        unregister_openid_resolver(from_elsewhere)
