"""Invitation services: tokens, expiry, single use, revoke, resend, handlers, audit, isolation."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from alumni.core.errors import Conflict, ValidationFailed
from alumni.core.models import AuditEntry
from alumni.messaging.errors import InviteInvalid
from alumni.messaging.models import Invitation, MessageLog
from alumni.messaging.services import invites as invite_services
from alumni.messaging.services.invites import (
    invite_accept,
    invite_create,
    invite_resend,
    invite_revoke,
    invites_create_bulk,
    register_invite_handler,
)
from tests.alumni.messaging.invite_support import *  # noqa: F403
from tests.alumni.messaging.invite_support import make_invite, make_user
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def test_link_carries_a_secret_that_is_stored_only_as_its_hash(school_a):
    invitation, secret = make_invite(school_a)
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    with inside(school_a):
        row = Invitation.objects.get(pk=invitation.pk)
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        stored = " ".join(str(v) for v in Invitation.objects.filter(pk=row.pk).values().first().values())
        assert secret not in stored
    assert invitation.expires_at - timezone.now() > timedelta(days=6, hours=23)


def test_secrets_are_unique_and_unrelated(school_a):
    secrets = {make_invite(school_a, address=f"p{i}@example.com")[1] for i in range(20)}
    assert len(secrets) == 20
    assert len({s[:8] for s in secrets}) == 20  # no shared prefix/counter to enumerate


def test_create_sends_one_message_keyed_by_the_invitation(
    school_a, admin_a, django_capture_on_commit_callbacks
):
    with inside(school_a), django_capture_on_commit_callbacks(execute=True):
        invitation, url = invite_create(
            purpose="register",
            payload={},
            name="王校友",
            channel="email",
            address="Wang@Example.com",
            expires_in=timedelta(days=3),
            actor=admin_a,
        )
        log = MessageLog.objects.get(idempotency_key=f"invite:{invitation.pk}")
    assert url.startswith("http://alpha.localhost") and "/messages/i/" in url
    assert log.channel == "email" and log.purpose == "invite" and log.address == "wang@example.com"
    assert len(mail.outbox) == 1 and mail.outbox[0].to[0].endswith("<wang@example.com>")
    assert url in mail.outbox[0].body and "王校友" in mail.outbox[0].body


def test_accept_once_only(school_a, alumnus_a):
    invitation, secret = make_invite(school_a)
    other = make_user(school_a, name="别人", phone="13900000002")
    with inside(school_a):
        accepted = invite_accept(token=secret, user=alumnus_a)
        assert accepted.used_by_id == alumnus_a.pk and accepted.used_at is not None
        assert accepted.next_url == "/alumni/verify/"
        with pytest.raises(InviteInvalid, match="已经被接受"):
            invite_accept(token=secret, user=other)
        assert Invitation.objects.get(pk=invitation.pk).used_by_id == alumnus_a.pk


def test_expired_revoked_and_unknown_links_are_refused(school_a, admin_a, alumnus_a):
    expired, expired_secret = make_invite(school_a, address="a@example.com")
    revoked, revoked_secret = make_invite(school_a, address="b@example.com")
    with inside(school_a):
        Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        invite_revoke(invitation=revoked, actor=admin_a)
        with pytest.raises(InviteInvalid, match="过期"):
            invite_accept(token=expired_secret, user=alumnus_a)
        with pytest.raises(InviteInvalid, match="撤销"):
            invite_accept(token=revoked_secret, user=alumnus_a)
        with pytest.raises(InviteInvalid, match="无效"):
            invite_accept(token=expired_secret[:-2] + "xx", user=alumnus_a)
        assert not Invitation.objects.filter(used_at__isnull=False).exists()


def test_anonymous_cannot_accept(school_a):
    from django.contrib.auth.models import AnonymousUser

    _invitation, secret = make_invite(school_a)
    with inside(school_a), pytest.raises(InviteInvalid) as caught:
        invite_accept(token=secret, user=AnonymousUser())
    assert caught.value.code == "login_required"


def test_token_from_alpha_is_unknown_at_beta(school_a, school_b):
    _invitation, secret = make_invite(school_a)
    beta_user = make_user(school_b, name="贝塔校友", phone="13700000003")
    with inside(school_b):
        with pytest.raises(InviteInvalid, match="无效"):
            invite_accept(token=secret, user=beta_user)
        assert not Invitation.objects.exists()


def test_resend_replaces_the_link_and_sends_under_a_new_key(school_a, admin_a, alumnus_a):
    invitation, old_secret = make_invite(school_a)
    with inside(school_a):
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(hours=1))
        invitation.refresh_from_db()
        resent, url = invite_resend(invitation=invitation, actor=admin_a, deliver="never")
        new_secret = url.rstrip("/").rsplit("/", 1)[-1]
        assert new_secret != old_secret and resent.sends == 2
        assert resent.expires_at > timezone.now() + timedelta(days=6)  # an expired invite gets a new week
        keys = set(MessageLog.objects.values_list("idempotency_key", flat=True))
        assert {f"invite:{invitation.pk}", f"invite:{invitation.pk}:2"} <= keys
        with pytest.raises(InviteInvalid):
            invite_accept(token=old_secret, user=alumnus_a)
        invite_accept(token=new_secret, user=alumnus_a)
        with pytest.raises(Conflict):
            invite_resend(invitation=resent, actor=admin_a, deliver="never")
        with pytest.raises(Conflict):
            invite_revoke(invitation=resent, actor=admin_a)


def test_admin_writes_are_audited(school_a, admin_a):
    invitation, _secret = make_invite(school_a, actor=None)
    with inside(school_a):
        invite_resend(invitation=invitation, actor=admin_a, deliver="never")
        invite_revoke(invitation=invitation, actor=admin_a)
        entries = AuditEntry.objects.filter(object_type="messaging.invitation", object_id=str(invitation.pk))
        actions = set(entries.values_list("action", flat=True))
        assert actions == {"invite.create", "invite.resend", "invite.revoke"}
        assert entries.get(action="invite.revoke").actor_id == admin_a.pk


@pytest.mark.parametrize(
    ("channel", "address", "field"),
    [
        ("email", "not-an-email", "address"),
        ("sms", "12345", "address"),
        ("sms", "", "address"),
        ("inapp", "x", "channel"),
    ],
)
def test_bad_addresses_are_refused(school_a, admin_a, channel, address, field):
    with inside(school_a):
        with pytest.raises(ValidationFailed) as caught:
            invite_create(
                purpose="register", payload={}, name="某人", channel=channel, address=address, actor=admin_a
            )
        assert caught.value.field == field
        assert not Invitation.objects.exists()


def test_unknown_purpose_and_silly_expiry_are_refused(school_a, admin_a):
    with inside(school_a):
        with pytest.raises(ValidationFailed, match="未知的邀请用途"):
            invite_create(purpose="nope", name="某人", channel="email", address="a@b.cn", actor=admin_a)
        with pytest.raises(ValidationFailed, match="有效期"):
            invite_create(
                purpose="register",
                name="某人",
                channel="email",
                address="a@b.cn",
                expires_in=timedelta(days=365),
                actor=admin_a,
            )


def test_the_owning_feature_decides_what_accepting_does(school_a, alumnus_a, monkeypatch):
    monkeypatch.setattr(
        invite_services, "_handlers", dict(invite_services._handlers)
    )  # registry restored after
    seen = []

    def on_accept(*, invitation, user):
        seen.append((invitation.payload["organization_id"], user.pk))
        if invitation.payload.get("refuse"):
            raise Conflict("该分会已有会长")
        return "/chapters/7/"

    register_invite_handler("test_chapter_president", on_accept, label="邀请担任分会会长")
    _inv, ok_secret = make_invite(
        school_a, purpose="test_chapter_president", payload={"organization_id": 7}, address="x@e.cn"
    )
    refused, refused_secret = make_invite(
        school_a,
        purpose="test_chapter_president",
        payload={"organization_id": 8, "refuse": True},
        address="y@e.cn",
    )
    with inside(school_a):
        assert invite_accept(token=ok_secret, user=alumnus_a).next_url == "/chapters/7/"
        with pytest.raises(Conflict):
            invite_accept(token=refused_secret, user=alumnus_a)
        refused.refresh_from_db()
        assert refused.used_at is None  # the handler refused, so the invitation stays open
    assert seen == [(7, alumnus_a.pk), (8, alumnus_a.pk)]


def test_bulk_skips_bad_and_duplicate_rows(school_a, admin_a):
    rows = [
        {"row": 2, "name": "甲", "phone": "13811112222", "email": ""},
        {"row": 3, "name": "乙", "phone": "138 1111 2222", "email": ""},
        {"row": 4, "name": "丙", "phone": "110", "email": ""},
        {"row": 5, "name": "", "phone": "13833334444", "email": ""},
        {"row": 6, "name": "丁", "phone": "+86 138-5555-6666", "email": "d@example.com"},
    ]
    with inside(school_a):
        result = invites_create_bulk(rows=rows, channel="sms", actor=admin_a, deliver="never")
        assert sorted(i.address for i in result.created) == ["13811112222", "13855556666"]
        assert [r[0] for r in result.skipped] == [3, 4, 5]
        assert Invitation.objects.get(address="13855556666").payload["email"] == "d@example.com"
