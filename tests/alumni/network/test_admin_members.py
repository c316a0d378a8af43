"""Back-office member management (search, filters, pagination, role changes, removal), the flat
organization list with its search, and related organizations (关联组织) in the organization form."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alumni.core.models import AuditEntry
from alumni.network.models import Membership, Organization, OrgType, Role
from alumni.network.services import org_update
from alumni.people.models import Degree
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in
from tests.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree, school_a):
    with inside(school_a):
        club, _ = network.make_person("羽球张")
        club.phones = ["13711112222"]
        club.save()
        Degree.objects.create(person=club, level="bachelor", enrollment_year=2011, graduation_year=2015)
        club_membership = Membership.objects.create(person=club, organization=tree.a1)
        shanghai, _ = network.make_person("上海王")
        Membership.objects.create(person=shanghai, organization=tree.b)
        tree.users["president_a"].groups.add(Group.objects.get(name="Editors"))
        return {"club": club, "club_membership": club_membership, "shanghai": shanghai}


@pytest.fixture
def president(tree, school_a, people):
    return logged_in(school_a, tree.users["president_a"])


def _names(response) -> set[str]:
    return {row["name"] for _m, row in response.context["members"]}


def test_members_of_the_subtree_with_search_and_filters(people, tree, admin_client_a):
    url = f"/admin/network/{tree.a.pk}/members/"
    response = admin_client_a.get(url)
    assert response.status_code == 200
    names = _names(response)
    assert people["club"].name in names and tree.persons["member_a"].name in names
    assert people["shanghai"].name not in names
    assert _names(admin_client_a.get(url, {"q": "羽球"})) == {people["club"].name}
    assert _names(admin_client_a.get(url, {"q": "1111222"})) == {people["club"].name}  # phone
    assert _names(admin_client_a.get(url, {"year": "2015"})) == {people["club"].name}
    assert _names(admin_client_a.get(url, {"role": "president"})) == {tree.persons["president_a"].name}
    assert _names(admin_client_a.get(url, {"scope": "sub"})) == {people["club"].name}
    assert people["club"].name not in _names(admin_client_a.get(url, {"scope": "direct"}))


def test_members_are_paginated(tree, school_a, admin_client_a):
    with inside(school_a):
        for i in range(52):
            person, _ = network.make_person(f"批量{i:02d}")
            Membership.objects.create(person=person, organization=tree.a2)
    url = f"/admin/network/{tree.a.pk}/members/"
    first = admin_client_a.get(url, {"scope": "sub"})
    assert len(first.context["members"]) == 50 and first.context["page"].paginator.count == 52
    assert "p=2" in first.content.decode() and "scope=sub" in first.content.decode()
    second = admin_client_a.get(url, {"scope": "sub", "p": 2})
    assert len(second.context["members"]) == 2


def test_president_sees_masked_phones_and_cannot_search_by_phone(people, tree, president, school_a):
    with inside(school_a):
        person = people["club"]
        person.privacy = {"phone": "chapters"}
        person.save()
    url = f"/admin/network/{tree.a.pk}/members/"
    page = president.get(url)
    html = page.content.decode()
    assert "137****2222" in html and "13711112222" not in html
    assert president.get(url, {"q": "13711112222"}).context["members"] == []


def test_president_changes_a_role_and_removes_a_member(people, tree, president, school_a):
    membership = people["club_membership"]
    back = f"/admin/network/{tree.a.pk}/members/?scope=sub"
    response = president.post(
        f"/admin/network/members/{membership.pk}/role/", {"role": "admin", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    with inside(school_a):
        assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN
    response = president.post(f"/admin/network/members/{membership.pk}/remove/", {"next": back})
    assert response.status_code == 302
    with inside(school_a):
        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert AuditEntry.objects.filter(action="network.member_remove").exists()
        assert AuditEntry.objects.filter(action="network.role_assign").exists()


def test_the_president_cannot_be_removed_here(tree, president, school_a):
    with inside(school_a):
        own = Membership.objects.get(person=tree.persons["president_a"], organization=tree.a)
    page = president.post(f"/admin/network/members/{own.pk}/remove/", follow=True).content.decode()
    assert "会长需先移交会长职务" in page
    with inside(school_a):
        assert Membership.objects.filter(pk=own.pk).exists()


def test_attempts_outside_the_subtree_are_refused(
    people, tree, president, school_a, editor_client_a, client_a
):
    with inside(school_a):
        b_membership = Membership.objects.get(person=people["shanghai"], organization=tree.b)
    assert president.get(f"/admin/network/{tree.b.pk}/members/").status_code in (302, 403)
    president.post(f"/admin/network/members/{b_membership.pk}/role/", {"role": "admin"})
    president.post(f"/admin/network/members/{b_membership.pk}/remove/")
    admin_a = logged_in(school_a, tree.users["admin_a"])  # no back-office access
    club_membership = people["club_membership"]
    for refused in (editor_client_a, admin_a):
        assert refused.get(f"/admin/network/{tree.a.pk}/members/").status_code in (302, 403)
        refused.post(f"/admin/network/members/{club_membership.pk}/remove/")
        refused.post(f"/admin/network/members/{club_membership.pk}/role/", {"role": "admin"})
    response = client_a.post(f"/admin/network/members/{club_membership.pk}/remove/")
    assert response.status_code == 302 and "login" in response["Location"]
    with inside(school_a):
        assert Membership.objects.get(pk=b_membership.pk).role == Role.MEMBER
        assert Membership.objects.get(pk=club_membership.pk).role == Role.MEMBER


def test_unsafe_next_falls_back(people, tree, president):
    membership = people["club_membership"]
    for bad in ("//evil.example/admin/network/", "/admin/network/../../logout/", "https://evil.example/"):
        response = president.post(
            f"/admin/network/members/{membership.pk}/role/", {"role": "member", "next": bad}
        )
        assert response["Location"] == f"/admin/network/{tree.a1.pk}/"


def test_organization_list_and_search(tree, admin_client_a, school_a):
    with inside(school_a):
        Organization.objects.filter(pk=tree.b.pk).update(city="上海")
    page = admin_client_a.get("/admin/network/list/")
    assert page.status_code == 200
    names = {org.name for org in page.context["orgs"]}
    assert {"计算机学院校友会", "羽毛球俱乐部", "上海校友会"} <= names
    rows = {org.name: org for org in page.context["orgs"]}
    assert (
        rows["羽毛球俱乐部"].parent_name == "计算机学院校友会" and rows["计算机学院校友会"].member_total == 3
    )
    assert {o.name for o in admin_client_a.get("/admin/network/list/", {"q": "俱乐部"}).context["orgs"]} == {
        "羽毛球俱乐部",
        "摄影俱乐部",
    }
    assert {
        o.name for o in admin_client_a.get("/admin/network/list/", {"type": "regional"}).context["orgs"]
    } == {"上海校友会"}
    assert {o.name for o in admin_client_a.get("/admin/network/list/", {"city": "上海"}).context["orgs"]} == {
        "上海校友会"
    }


def test_organization_list_scope(people, tree, president, editor_client_a, alumnus_client_a, admin_client_b):
    names = {org.name for org in president.get("/admin/network/list/").context["orgs"]}
    assert names == {"计算机学院校友会", "羽毛球俱乐部", "摄影俱乐部"}
    for refused in (editor_client_a, alumnus_client_a):
        assert refused.get("/admin/network/list/").status_code in (302, 403)
    assert "计算机学院校友会" not in admin_client_b.get("/admin/network/list/").content.decode()


def test_related_organizations_in_the_form(tree, admin_client_a, school_a):
    form = {
        "name": "计算机学院校友会",
        "type": "college",
        "review_mode": "approval",
        "content_review": "before",
    }
    form |= {"jf-TOTAL_FORMS": "0", "jf-INITIAL_FORMS": "0", "related": [tree.b.pk]}
    response = admin_client_a.post(f"/admin/network/{tree.a.pk}/edit/", form)
    assert response.status_code == 302
    with inside(school_a):
        assert list(Organization.objects.get(pk=tree.b.pk).related.values_list("pk", flat=True)) == [
            tree.a.pk
        ]
        entry = AuditEntry.objects.filter(action="network.org_update").latest("pk")
        assert entry.before["related"] == [] and entry.after["related"] == [tree.b.pk]
    assert "上海校友会" in admin_client_a.get(f"/admin/network/{tree.a.pk}/").content.decode()
    assert "计算机学院校友会" in admin_client_a.get(f"/admin/network/{tree.b.pk}/").content.decode()
    form["related"] = []
    admin_client_a.post(f"/admin/network/{tree.a.pk}/edit/", form)
    with inside(school_a):
        assert not Organization.objects.get(pk=tree.b.pk).related.exists()


def test_related_needs_rights_over_both_ends(tree, school_a):
    from alumni.network.errors import NotAllowed, OrganizationInvalid

    with inside(school_a):
        a = Organization.objects.get(pk=tree.a.pk)
        with pytest.raises(NotAllowed):
            org_update(organization=a, actor=tree.users["president_a"], related=[tree.b.pk])
        org_update(organization=a, actor=tree.users["president_a"], related=[tree.a1.pk])
        assert list(a.related.values_list("pk", flat=True)) == [tree.a1.pk]
        with pytest.raises(OrganizationInvalid):
            org_update(organization=a, actor=tree.users["school_admin"], related=[a.pk])
        with pytest.raises(OrganizationInvalid):
            org_update(organization=a, actor=tree.users["school_admin"], related=[999999])
        # Dropping a relation to an organization outside the actor's scope is refused too.
        org_update(organization=a, actor=tree.users["school_admin"], related=[tree.b.pk])
        with pytest.raises(NotAllowed):
            org_update(organization=a, actor=tree.users["president_a"], related=[])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len([q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")])


def test_pages_cost_the_same_whatever_the_number_of_rows(tree, school_a, admin_client_a):
    members_url, list_url = f"/admin/network/{tree.a.pk}/members/", "/admin/network/list/"
    few = (_queries(admin_client_a, members_url), _queries(admin_client_a, list_url))
    with inside(school_a):
        a = Organization.objects.get(pk=tree.a.pk)
        for i in range(12):
            person, _ = network.make_person(f"批量{i}")
            Degree.objects.create(person=person, level="bachelor", enrollment_year=2000 + i)
            Membership.objects.create(person=person, organization=tree.a1 if i % 2 else tree.a2)
            a.add_child(type=OrgType.CLUB, name=f"兴趣组{i}")
            a = Organization.objects.get(pk=tree.a.pk)
    assert (_queries(admin_client_a, members_url), _queries(admin_client_a, list_url)) == few
