"""Roll-up counts: a member of a sub-organization counts once for every ancestor."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alumni.network.models import Membership, Role
from alumni.network.selectors import member_count_subtree, my_organizations, subtree_member_counts
from alumni.network.services import org_move
from tests.alumni.network.support import *  # noqa: F403
from tests.alumni.network.support import make_person

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def queries(expected: int):
    """Exactly ``expected`` SQL queries (django-tenants' own SET search_path is not one of them)."""
    with CaptureQueriesContext(connection) as context:
        yield
    sql = [q["sql"] for q in context.captured_queries if not q["sql"].startswith("SET search_path")]
    assert len(sql) == expected, sql


def test_sub_organization_members_roll_up_once(tree):
    both, _ = make_person("两个俱乐部")
    Membership.objects.create(person=both, organization=tree.a1)
    Membership.objects.create(person=both, organization=tree.a2)
    only_club, _ = make_person("只在俱乐部")
    Membership.objects.create(person=only_club, organization=tree.a1)
    shanghai, _ = make_person("上海")
    Membership.objects.create(person=shanghai, organization=tree.b)
    # A has president, admin, member directly; + both (once) + only_club.
    assert member_count_subtree(tree.a) == 5
    assert member_count_subtree(tree.a1) == 2
    assert member_count_subtree(tree.head) == 6
    counts = subtree_member_counts([tree.head, tree.a, tree.a1, tree.a2, tree.b])
    assert counts == {tree.head.pk: 6, tree.a.pk: 5, tree.a1.pk: 2, tree.a2.pk: 1, tree.b.pk: 1}


def test_counts_for_many_orgs_take_one_query(tree):
    orgs = [tree.head, tree.a, tree.a1, tree.a2, tree.b]
    with queries(1):
        subtree_member_counts(orgs)
    with queries(0):
        assert subtree_member_counts([]) == {}


def test_counts_follow_a_move(tree):
    person, _ = make_person()
    Membership.objects.create(person=person, organization=tree.a1)
    org_move(organization=tree.a1, new_parent=tree.b, actor=tree.users["school_admin"])
    assert member_count_subtree(tree.org("a")) == 3
    assert member_count_subtree(tree.org("b")) == 1


def test_my_organizations_in_constant_queries(tree):
    person = tree.persons["member_a"]
    with queries(2):
        mine = my_organizations(person)
    assert [(m.organization.name, m.role, m.member_count) for m in mine] == [
        ("计算机学院校友会", Role.MEMBER, 3)
    ]
    for org in (tree.a1, tree.a2, tree.b, tree.head):
        Membership.objects.create(person=person, organization=org)
    with queries(2):
        mine = my_organizations(person)
    assert len(mine) == 5 and mine[0].organization.pk == tree.head.pk
    assert {m.organization.name: m.member_count for m in mine}["羽毛球俱乐部"] == 1
