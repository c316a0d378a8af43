"""A small association tree in school alpha and one account per role (star-imported by tests).

    校友总会 (head)
    ├── A  计算机学院校友会 (college chapter, approval)
    │   ├── A1 羽毛球俱乐部 (club)
    │   └── A2 摄影俱乐部 (club)
    └── B  上海校友会 (regional chapter)

Roles: school admin (superuser), president of A, admin of A, member of A, an alumnus in no
organization (all linked to alumni records), anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from alumni.network.models import Membership, Organization, OrgType, ReviewMode, Role
from alumni.network.selectors import head_association
from alumni.people.choices import Verification
from alumni.people.models import AccountLink, Person
from tests.conftest import inside

__all__ = ["Tree", "make_person", "tree"]

_seq = count(1)


def make_person(name: str = "校友", *, user: bool = True, email: str = "", verified: bool = True):
    """A Person (verified) linked to a fresh account; returns (person, user or None)."""
    n = next(_seq)
    person = Person.objects.create(
        name=f"{name}{n}",
        emails=[email or f"p{n}@example.com"],
        verification=Verification.VERIFIED if verified else Verification.OFFICIAL,
    )
    account = None
    if user:
        phone = f"139{n:08d}"
        account = get_user_model().objects.create_user(
            username=phone, phone=phone, name=person.name, password="Network-pass-1"
        )
        AccountLink.objects.create(user=account, person=person)
    return person, account


@dataclass
class Tree:
    head: Organization
    a: Organization
    a1: Organization
    a2: Organization
    b: Organization
    users: dict  # role name → user
    persons: dict  # role name → Person (no entry for the admin and anonymous)

    def org(self, key: str) -> Organization:
        return Organization.objects.get(pk=getattr(self, key).pk)


def build_tree() -> Tree:
    head = head_association()
    a = head.add_child(type=OrgType.COLLEGE, name="计算机学院校友会", review_mode=ReviewMode.APPROVAL)
    a = Organization.objects.get(pk=a.pk)
    a1 = a.add_child(type=OrgType.CLUB, name="羽毛球俱乐部")
    a = Organization.objects.get(pk=a.pk)
    a2 = a.add_child(type=OrgType.CLUB, name="摄影俱乐部")
    head = Organization.objects.get(pk=head.pk)
    b = head.add_child(type=OrgType.REGIONAL, name="上海校友会", cities=["上海"])
    users, persons = {}, {}
    users["school_admin"] = get_user_model().objects.get(email="admin@alpha.edu.cn")
    for key, role in (
        ("president_a", Role.PRESIDENT),
        ("admin_a", Role.ADMIN),
        ("member_a", Role.MEMBER),
    ):
        persons[key], users[key] = make_person(key)
        Membership.objects.create(person=persons[key], organization=a, role=role)
    persons["outsider"], users["outsider"] = make_person("outsider")
    users["anonymous"] = AnonymousUser()
    return Tree(head=head, a=a, a1=a1, a2=a2, b=b, users=users, persons=persons)


@pytest.fixture
def tree(school_a):
    with inside(school_a):
        yield build_tree()
