"""The authorization matrix: every role × every management action × chapter A, its club A1 and
chapter B. Officers of A manage A's subtree and nothing else; school admins manage everything;
members, other alumni and anonymous visitors manage nothing.

Moving A itself is refused to A's officers: it needs rights over the destination (chapter B)
too, which only the school admin has.
"""

from __future__ import annotations

import pytest

from alumni.network.errors import NotAllowed
from alumni.network.models import JoinRequest, Membership, Organization, OrgType, Role
from alumni.network.permissions import can_manage, managed_organizations
from alumni.network.services import (
    join_request_approve,
    join_request_reject,
    membership_remove,
    org_create,
    org_move,
    role_assign,
)
from tests.alumni.network.support import *  # noqa: F403
from tests.alumni.network.support import make_person

pytestmark = pytest.mark.django_db

ROLES = ["school_admin", "president_a", "admin_a", "member_a", "outsider", "anonymous"]
TARGETS = ["a", "a1", "b"]
OFFICERS = {"president_a", "admin_a"}


def _pending(org):
    person, _ = make_person("申请人", user=False)
    return JoinRequest.objects.create(person=person, organization=org)


def _member(org):
    person, _ = make_person("成员", user=False)
    return Membership.objects.create(person=person, organization=org)


def approve(tree, org, user):
    request = _pending(org)
    join_request_approve(join_request=request, actor=user)
    assert Membership.objects.filter(person=request.person, organization=org).exists()


def reject(tree, org, user):
    request = _pending(org)
    join_request_reject(join_request=request, actor=user, reason="资料不全")
    assert JoinRequest.objects.get(pk=request.pk).status == JoinRequest.Status.REJECTED


def remove(tree, org, user):
    membership = _member(org)
    membership_remove(membership=membership, actor=user)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def assign(tree, org, user):
    membership = _member(org)
    role_assign(membership=membership, role=Role.ADMIN, actor=user)
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def move(tree, org, user):
    # A → under B; A1 → under A2 (inside A); B → under A.
    destination = {tree.a.pk: tree.b, tree.a1.pk: tree.a2, tree.b.pk: tree.a}[org.pk]
    moved = org_move(organization=org, new_parent=destination, actor=user)
    assert moved.get_parent().pk == destination.pk


def create_sub(tree, org, user):
    child = org_create(parent=org, actor=user, name="新俱乐部", type=OrgType.CLUB)
    assert child.get_parent().pk == org.pk


ACTIONS = {
    "approve": approve,
    "reject": reject,
    "remove": remove,
    "assign_role": assign,
    "move": move,
    "create_sub": create_sub,
}


def allowed(role: str, action: str, target: str) -> bool:
    if role == "school_admin":
        return True
    if role not in OFFICERS or target == "b":
        return False
    return not (action == "move" and target == "a")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_matrix(tree, role, action, target):
    org = tree.org(target)
    user = tree.users[role]
    if allowed(role, action, target):
        ACTIONS[action](tree, org, user)
    else:
        before = list(Organization.objects.order_by("pk").values_list("pk", "path"))
        with pytest.raises(NotAllowed) as refused:
            ACTIONS[action](tree, org, user)
        assert refused.value.code == "network_forbidden"
        assert list(Organization.objects.order_by("pk").values_list("pk", "path")) == before


def test_managed_organizations_is_the_officers_subtree(tree):
    def names(user):
        return set(managed_organizations(user).values_list("name", flat=True))

    subtree_a = {"计算机学院校友会", "羽毛球俱乐部", "摄影俱乐部"}
    assert names(tree.users["president_a"]) == subtree_a
    assert names(tree.users["admin_a"]) == subtree_a
    assert names(tree.users["member_a"]) == set()
    assert names(tree.users["outsider"]) == set()
    assert names(tree.users["anonymous"]) == set()
    assert names(tree.users["school_admin"]) == subtree_a | {"上海校友会", tree.head.name}


def test_officer_of_a_club_does_not_manage_its_parent(tree):
    person, user = make_person("俱乐部管理员")
    Membership.objects.create(person=person, organization=tree.a1, role=Role.ADMIN)
    assert can_manage(user, tree.a1)
    assert not can_manage(user, tree.a) and not can_manage(user, tree.a2) and not can_manage(user, tree.head)


def test_an_unlinked_account_manages_nothing(tree):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username="13111112222", phone="13111112222", password="x-X-12345"
    )
    assert not can_manage(user, tree.a) and not managed_organizations(user).exists()
