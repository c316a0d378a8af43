"""Back office 校友组织: the tree, an organization's page, the join-approval queue and the to-do."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from alumni.core.models import AuditEntry
from alumni.core.todos import todo_items
from alumni.network.models import JoinRequest, Membership, Organization, Role
from alumni.network.services import join_request_submit
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.conftest import inside

pytestmark = pytest.mark.django_db

TREE = "/admin/network/"
QUEUE = "/admin/network/requests/"


@pytest.fixture
def pending(tree, school_a):
    with inside(school_a):
        person, _user = network.make_person("申请人")
        return join_request_submit(person=person, organization=tree.a, answers={})


def test_roles(tree, client_a, alumnus_client_a, editor_client_a, admin_client_a):
    for url in (TREE, QUEUE, f"{TREE}{tree.a.pk}/", f"{TREE}{tree.a.pk}/add/"):
        for refused in (client_a, alumnus_client_a, editor_client_a):
            response = refused.get(url)
            assert response.status_code in (302, 403)
            assert "计算机学院校友会" not in refused.get(url, follow=True).content.decode()
        assert admin_client_a.get(url).status_code == 200
    page = admin_client_a.get(TREE).content.decode()
    assert "计算机学院校友会" in page and "羽毛球俱乐部" in page and "上海校友会" in page
    dashboard = admin_client_a.get("/admin/").content.decode()
    assert "校友组织" in dashboard or "\\u6821\\u53cb\\u7ec4\\u7ec7" in dashboard  # the menu (JSON)


def test_tree_counts_roll_up(tree, admin_client_a, school_a):
    with inside(school_a):
        person, _user = network.make_person("俱乐部成员")
        Membership.objects.create(person=person, organization=tree.a1)
    response = admin_client_a.get(TREE)
    rows = {org.name: org.member_total for org in response.context["orgs"]}
    assert rows["计算机学院校友会"] == 4 and rows["羽毛球俱乐部"] == 1 and rows["上海校友会"] == 0


def test_other_school_never_sees_alpha(tree, pending, admin_client_b):
    assert "计算机学院校友会" not in admin_client_b.get(TREE).content.decode()
    assert "申请人" not in admin_client_b.get(QUEUE).content.decode()
    assert admin_client_b.get(f"{TREE}{tree.a.pk}/").status_code == 404
    assert admin_client_b.post(f"{QUEUE}{pending.pk}/approve/").status_code == 404


def test_approve_creates_membership(tree, pending, admin_a, admin_client_a, school_a):
    page = admin_client_a.get(QUEUE).content.decode()
    assert pending.person.name in page
    with inside(school_a):
        request = RequestFactory().get("/admin/")
        request.user = admin_a
        items = [item for item in todo_items(request) if item.label == "待审核的入会申请"]
        assert items[0].count == 1 and items[0].url == QUEUE
        request.user = tree.users["president_a"]
        assert not [item for item in todo_items(request) if item.label == "待审核的入会申请"]
    response = admin_client_a.post(f"{QUEUE}{pending.pk}/approve/", {"next": QUEUE})
    assert response.status_code == 302 and response.url == QUEUE
    with inside(school_a):
        assert Membership.objects.filter(person=pending.person, organization=tree.a).exists()
        assert JoinRequest.objects.get(pk=pending.pk).status == "approved"
    assert "暂无待审核的入会申请" in admin_client_a.get(QUEUE).content.decode()


def test_reject_needs_reason(tree, pending, admin_client_a, school_a):
    admin_client_a.post(f"{QUEUE}{pending.pk}/reject/", {"reason": ""})
    with inside(school_a):
        assert JoinRequest.objects.get(pk=pending.pk).status == "pending"
    admin_client_a.post(f"{QUEUE}{pending.pk}/reject/", {"reason": "非本院校友"})
    with inside(school_a):
        request = JoinRequest.objects.get(pk=pending.pk)
        assert request.status == "rejected" and request.reason == "非本院校友"
        assert not Membership.objects.filter(person=pending.person, organization=tree.a).exists()


def test_alumnus_cannot_approve(tree, pending, alumnus_client_a, school_a):
    alumnus_client_a.post(f"{QUEUE}{pending.pk}/approve/")
    with inside(school_a):
        assert JoinRequest.objects.get(pk=pending.pk).status == "pending"


def test_create_edit_move(tree, admin_client_a, school_a):
    response = admin_client_a.post(
        f"{TREE}{tree.a.pk}/add/",
        {"name": "AI 兴趣组", "type": "club", "review_mode": "open", "content_review": "after"},
    )
    assert response.status_code == 302
    with inside(school_a):
        club = Organization.objects.get(name="AI 兴趣组")
        assert club.get_parent().pk == tree.a.pk
        assert AuditEntry.objects.filter(action="network.org_create").exists()
    admin_client_a.post(
        f"{TREE}{club.pk}/edit/",
        {"name": "人工智能兴趣组", "type": "club", "review_mode": "approval", "content_review": "after"},
    )
    admin_client_a.post(f"{TREE}{club.pk}/move/", {"parent": tree.b.pk})
    with inside(school_a):
        club = Organization.objects.get(pk=club.pk)
        assert club.name == "人工智能兴趣组" and club.review_mode == "approval"
        assert club.get_parent().pk == tree.b.pk
    # A branch cannot go under itself.
    admin_client_a.post(f"{TREE}{tree.a.pk}/move/", {"parent": tree.a1.pk})
    with inside(school_a):
        assert Organization.objects.get(pk=tree.a.pk).get_parent().pk == tree.head.pk


def test_assign_role(tree, admin_client_a, school_a):
    with inside(school_a):
        membership = Membership.objects.get(person=tree.persons["member_a"], organization=tree.a)
    page = admin_client_a.get(f"{TREE}{tree.a.pk}/").content.decode()
    assert tree.persons["president_a"].name in page and "会长" in page
    admin_client_a.post(f"/admin/network/members/{membership.pk}/role/", {"role": "secretary_general"})
    with inside(school_a):
        assert Membership.objects.get(pk=membership.pk).role == Role.SECRETARY_GENERAL
