"""Invitations to office: a tokened link through the messaging service; accepting applies the role
once, expired or reused links are refused, and the accepting account must be an alumni record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from alumni.core.models import AuditEntry
from alumni.messaging.errors import InviteInvalid
from alumni.messaging.models import Invitation
from alumni.messaging.services.invites import invite_accept
from alumni.network.errors import AccountNotLinked, NotAllowed, RoleInvalid
from alumni.network.models import Membership, Role
from alumni.network.services import officer_invite
from tests.alumni.network.support import *  # noqa: F403
from tests.alumni.network.support import make_person

pytestmark = pytest.mark.django_db


def _invite(tree, *, org=None, role=Role.ADMIN, actor=None, **kwargs):
    invitation, url = officer_invite(
        organization=org or tree.a,
        role=role,
        name="李校友",
        channel="email",
        address="li@example.com",
        actor=actor or tree.users["president_a"],
        deliver="never",
        **kwargs,
    )
    return invitation, url.rstrip("/").rsplit("/", 1)[-1]


def test_admin_invitation_makes_the_accepting_alumnus_an_admin(tree):
    invitation, secret = _invite(tree)
    assert invitation.purpose == "chapter_admin"
    assert invitation.payload == {"organization_id": tree.a.pk, "role": "admin"}
    person, user = make_person("李校友")
    invite_accept(token=secret, user=user)
    assert Membership.objects.get(person=person, organization=tree.a).role == Role.ADMIN
    assert AuditEntry.objects.filter(action="network.role_invite_accept").exists()


def test_president_invitation_hands_over_the_presidency(tree):
    _, secret = _invite(tree, role=Role.PRESIDENT, actor=tree.users["school_admin"])
    person, user = make_person()
    invite_accept(token=secret, user=user)
    roles = dict(Membership.objects.filter(organization=tree.a).values_list("person_id", "role"))
    assert roles[person.pk] == Role.PRESIDENT
    assert roles[tree.persons["president_a"].pk] == Role.VICE_PRESIDENT
    assert list(roles.values()).count(Role.PRESIDENT) == 1


def test_admin_invitation_never_demotes_a_higher_office(tree):
    _, secret = _invite(tree)
    invite_accept(token=secret, user=tree.users["president_a"])
    assert (
        Membership.objects.get(person=tree.persons["president_a"], organization=tree.a).role == Role.PRESIDENT
    )


def test_reused_and_expired_links_are_refused(tree):
    _, secret = _invite(tree)
    _, first = make_person()
    invite_accept(token=secret, user=first)
    person, second = make_person()
    with pytest.raises(InviteInvalid):
        invite_accept(token=secret, user=second)
    assert not Membership.objects.filter(person=person).exists()

    invitation, expired = _invite(tree)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(InviteInvalid):
        invite_accept(token=expired, user=second)
    assert not Membership.objects.filter(person=person).exists()


def test_an_account_without_an_alumni_record_is_told_to_verify_first(tree):
    invitation, secret = _invite(tree)
    user = get_user_model().objects.create_user(
        username="13822223333", phone="13822223333", password="x-X-98765"
    )
    with pytest.raises(AccountNotLinked) as refused:
        invite_accept(token=secret, user=user)
    assert refused.value.code == "account_not_linked"
    assert Invitation.objects.get(pk=invitation.pk).used_at is None  # still usable once verified


def test_who_may_invite(tree):
    with pytest.raises(NotAllowed):  # an admin of A may invite admins, not a president
        _invite(tree, role=Role.PRESIDENT, actor=tree.users["admin_a"])
    with pytest.raises(NotAllowed):
        _invite(tree, org=tree.b, actor=tree.users["president_a"])
    for role in ("member_a", "outsider", "anonymous"):
        with pytest.raises(NotAllowed):
            _invite(tree, actor=tree.users[role])
    with pytest.raises(RoleInvalid):
        _invite(tree, role=Role.MEMBER)
    _invite(tree, org=tree.a1, role=Role.PRESIDENT, actor=tree.users["admin_a"])  # an officer above A1
    _invite(tree, role=Role.PRESIDENT, actor=tree.users["president_a"])  # handing over by invitation
