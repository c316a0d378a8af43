"""Chapter statistics: numbers of a known subtree, the 12-month trend, a constant number of
queries, and who may see them (back office and the president's mobile 统计 page)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alumni.network.models import JoinRequest, Membership, Organization, OrgType
from alumni.network.selectors import org_statistics
from alumni.people.models import College, Degree
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _join(person, org, *, days_ago: int = 0, role: str = "member"):
    return Membership.objects.create(
        person=person, organization=org, role=role, joined_at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.fixture
def known(tree, school_a):
    """Chapter A's subtree: the three officers/member of the support tree plus four alumni."""
    with inside(school_a):
        college = College.objects.create(name="计算机科学与技术学院")
        p1, _ = network.make_person("两社团")
        p1.city = "上海"
        p1.save()
        _join(p1, tree.a1)
        _join(p1, tree.a2)  # two clubs of one chapter: one member of the chapter
        Degree.objects.create(
            person=p1, level="bachelor", college=college, enrollment_year=2010, graduation_year=2014
        )
        Degree.objects.create(
            person=p1, level="master", college=college, enrollment_year=2014, graduation_year=2017
        )
        p2, _ = network.make_person("三月前")
        p2.city = "北京"
        p2.save()
        m2 = _join(p2, tree.a1, days_ago=95)
        Degree.objects.create(person=p2, level="bachelor", college_name_raw="物理系", enrollment_year=2012)
        p4, _ = network.make_person("老会员")
        _join(p4, tree.a, days_ago=400)  # outside the 12-month trend, still a member
        outsider_member, _ = network.make_person("上海会员")
        _join(outsider_member, tree.b)
        applicant, _ = network.make_person("申请人")
        JoinRequest.objects.create(person=applicant, organization=tree.a1)
        JoinRequest.objects.create(person=outsider_member, organization=tree.a2, status="approved")
        JoinRequest.objects.create(person=applicant, organization=tree.b)
        a = Organization.objects.get(pk=tree.a.pk)
        a.add_child(type=OrgType.CLUB, name="停用的兴趣组", is_active=False)
        return {"p2_month": timezone.localtime(m2.joined_at).strftime("%Y-%m")}


def test_numbers_of_a_known_subtree(known, tree, school_a):
    with inside(school_a):
        stats = org_statistics(Organization.objects.get(pk=tree.a.pk))
    assert stats.members == 6
    assert stats.new_this_month == 4  # the three of the support tree and 两社团
    trend = dict(stats.trend)
    assert len(stats.trend) == 12 and stats.trend[-1][0] == timezone.localdate().strftime("%Y-%m")
    assert trend[stats.trend[-1][0]] == 4 and trend[known["p2_month"]] == 1
    assert sum(trend.values()) == 5  # 老会员 joined more than a year ago
    assert dict(stats.by_role) == {"会长": 1, "管理员": 1, "会员": 4}
    assert stats.by_enrollment_year == [("2010", 1), ("2012", 1), ("2014", 1)]
    assert stats.by_graduation_year == [("2014", 1), ("2017", 1), ("未填写", 1)]
    assert stats.by_college == [("物理系", 1), ("计算机科学与技术学院", 1)]
    assert dict(stats.by_city) == {"上海": 1, "北京": 1, "未填写": 4}
    assert stats.pending_requests == 1
    assert stats.sub_organizations == [("俱乐部/兴趣组", 2)] and stats.sub_organization_total == 2


def test_a_club_counts_only_its_own_members(known, tree, school_a):
    with inside(school_a):
        stats = org_statistics(Organization.objects.get(pk=tree.a1.pk))
    assert stats.members == 2 and stats.pending_requests == 1 and stats.sub_organizations == []
    assert dict(stats.by_city) == {"上海": 1, "北京": 1}


def test_query_count_does_not_grow_with_the_subtree(known, tree, school_a):
    with inside(school_a):
        a = Organization.objects.get(pk=tree.a.pk)
        with CaptureQueriesContext(connection) as small:
            org_statistics(a)
        for i in range(15):
            person, _ = network.make_person(f"批量{i}")
            _join(person, tree.a1 if i % 2 else tree.a2, days_ago=30 * (i % 12))
            Degree.objects.create(person=person, level="bachelor", enrollment_year=2000 + i)
        with CaptureQueriesContext(connection) as large:
            stats = org_statistics(a)
    assert stats.members == 21
    assert _real(small) == _real(large) == 8


def _real(captured) -> int:
    # django-tenants re-selects the schema before a query when it changed: not the selector's work.
    return len([q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")])


@pytest.fixture
def officer_clients(tree, school_a):
    """President of A with back-office access (Editors group), and admin of A without it."""
    with inside(school_a):
        tree.users["president_a"].groups.add(Group.objects.get(name="Editors"))
    return {
        key: logged_in(school_a, tree.users[key])
        for key in ("president_a", "admin_a", "member_a", "outsider")
    }


def test_back_office_stats_per_role(known, tree, officer_clients, admin_client_a, editor_client_a, client_a):
    url_a, url_b = f"/admin/network/{tree.a.pk}/stats/", f"/admin/network/{tree.b.pk}/stats/"
    page = admin_client_a.get(url_a)
    assert page.status_code == 200 and page.context["stats"].members == 6
    assert "计算机科学与技术学院" in page.content.decode()
    assert admin_client_a.get(url_b).status_code == 200
    president = officer_clients["president_a"]
    assert president.get(url_a).status_code == 200
    assert president.get(f"/admin/network/{tree.a1.pk}/stats/").context["stats"].members == 2
    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    assert president.get(url_b).status_code in (302, 403)
    assert president.get(f"/admin/network/{tree.head.pk}/stats/").status_code in (302, 403)
    assert "上海校友会" not in president.get(url_b, follow=True).content.decode()
    # No back-office access, or no office in A: refused.
    for refused in (officer_clients["admin_a"], officer_clients["member_a"], officer_clients["outsider"]):
        assert refused.get(url_a).status_code in (302, 403)
    assert editor_client_a.get(url_a).status_code in (302, 403)
    response = client_a.get(url_a)
    assert response.status_code == 302 and "login" in response["Location"]


def test_mobile_stats_page_per_role(known, tree, school_a, client_a):
    url = f"/orgs/manage/{tree.a.pk}/stats/"
    for role in ("president_a", "admin_a"):
        client_a.force_login(tree.users[role])
        page = client_a.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "本月新增" in html and "计算机科学与技术学院" in html and "stat-bar" in html
        assert client_a.get(f"/orgs/manage/{tree.b.pk}/stats/").status_code == 403
    for role in ("member_a", "outsider"):
        client_a.force_login(tree.users[role])
        assert client_a.get(url).status_code == 403
    client_a.force_login(tree.users["school_admin"])
    assert client_a.get(f"/orgs/manage/{tree.b.pk}/stats/").status_code == 200
    client_a.logout()
    response = client_a.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_school_cannot_reach_alpha_stats(known, tree, school_b, admin_client_b, client_b):
    assert admin_client_b.get(f"/admin/network/{tree.a.pk}/stats/").status_code == 404
    from django.contrib.auth import get_user_model

    with inside(school_b):
        client_b.force_login(get_user_model().objects.get(email="admin@beta.edu.cn"))
    assert client_b.get(f"/orgs/manage/{tree.a.pk}/stats/").status_code == 404
