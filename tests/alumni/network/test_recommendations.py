"""为你推荐: chapters matching an alumnus's colleges, city and industry, with the reason shown;
never one they are in (directly or through a sub-organization) or waiting for, nor an inactive or
invite-only one; a constant number of queries; on the H5 browse and "my organizations" pages and
in the API; never another school's organizations."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from alumni.network.demo import demo_network_build
from alumni.network.models import ClubApplication, Membership, Organization, OrgType, ReviewMode
from alumni.network.selectors import recommended_organizations
from alumni.network.services import join_request_submit
from alumni.people.choices import DegreeLevel
from alumni.people.models import College, Degree, Person
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _add_chapter(parent: Organization, **fields) -> Organization:
    parent = Organization.objects.get(pk=parent.pk)
    return parent.add_child(**fields)


@pytest.fixture
def world(tree, school_a):
    """Chapter A is 计算机学院's; B lists 上海; an industry chapter for 金融; decoys around them.
    The outsider studied at 计算机学院, lives in 上海市 and works in 金融."""
    with inside(school_a):
        college, _made = College.objects.get_or_create(name="计算机学院")
        other, _made = College.objects.get_or_create(name="外国语学院")
        Organization.objects.filter(pk=tree.a.pk).update(college=college)
        tree.finance = _add_chapter(tree.head, type=OrgType.INDUSTRY, name="金融校友会", industries=["金融"])
        _add_chapter(tree.head, type=OrgType.INDUSTRY, name="互联网校友会", industries=["互联网"])
        _add_chapter(tree.head, type=OrgType.COLLEGE, name="外国语学院校友会", college=other)
        _add_chapter(
            tree.head,
            type=OrgType.INDUSTRY,
            name="金融精英会",
            industries=["金融"],
            review_mode=ReviewMode.INVITE_ONLY,
        )
        _add_chapter(
            tree.head, type=OrgType.REGIONAL, name="上海浦东校友会", cities=["上海"], is_active=False
        )
        # A club that happens to carry the city: only regional chapters are matched by city.
        _add_chapter(tree.head, type=OrgType.CLUB, name="上海读书会", cities=["上海"])
        person = tree.persons["outsider"]
        Person.objects.filter(pk=person.pk).update(city="上海市", industry="金融")
        Degree.objects.create(person=person, level=DegreeLevel.BACHELOR, college=college)
        tree.persons["outsider"] = Person.objects.get(pk=person.pk)
    return tree


def _names(person) -> list[tuple[str, str]]:
    return [(r.organization.name, r.reason) for r in recommended_organizations(person)]


def test_recommends_by_college_city_and_industry_with_reasons(world, school_a):
    with inside(school_a):
        assert _names(world.persons["outsider"]) == [
            ("计算机学院校友会", "你的学院：计算机学院"),
            ("上海校友会", "你所在城市：上海"),
            ("金融校友会", "你的行业：金融"),
        ]
        member_count = recommended_organizations(world.persons["outsider"])[0].member_count
        assert member_count == 3  # A's president, admin and member


def test_excludes_what_they_belong_to_or_wait_for(world, school_a):
    with inside(school_a):
        outsider = world.persons["outsider"]
        join_request_submit(person=outsider, organization=world.b)  # pending (approval)
        Membership.objects.create(person=outsider, organization=world.a1)  # a club of A: in A too
        assert _names(outsider) == [("金融校友会", "你的行业：金融")]
        Membership.objects.create(person=outsider, organization=world.finance)
        assert _names(outsider) == []
        # A member of A gets no recommendation for A even with the college on record.
        member = world.persons["member_a"]
        Degree.objects.create(person=member, level=DegreeLevel.MASTER, college=world.org("a").college)
        assert _names(member) == []


def _sql(context) -> list[str]:
    # django-tenants' SET search_path before each cursor is not a query of ours.
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith("SET search_path")]


def test_constant_number_of_queries(world, school_a, django_assert_max_num_queries):
    with inside(school_a):
        outsider = world.persons["outsider"]
        with django_assert_max_num_queries(4) as few_queries:
            few = recommended_organizations(outsider)
        for n in range(30):
            _add_chapter(world.head, type=OrgType.REGIONAL, name=f"上海第{n}校友会", cities=["上海"])
            _add_chapter(world.head, type=OrgType.INDUSTRY, name=f"金融第{n}分会", industries=["金融"])
        with django_assert_max_num_queries(4) as many_queries:
            many = recommended_organizations(outsider, limit=20)
        assert len(few) == 3 and len(many) == 20
        assert len(_sql(few_queries)) == len(_sql(many_queries)) == 2  # chapters, then member counts


def test_h5_pages_show_recommendations_to_linked_alumni_only(world, school_a, client_a):
    client = logged_in(school_a, world.users["outsider"])
    page = client.get("/orgs/").content.decode()
    assert "为你推荐" in page and "你的学院：计算机学院" in page and "你的行业：金融" in page
    # A search shows what was searched for, without the recommendations.
    assert "为你推荐" not in client.get("/orgs/?q=金融").content.decode()
    mine = client.get("/orgs/mine/").content.decode()
    assert "为你推荐" in mine and "你所在城市：上海" in mine
    assert "为你推荐" not in client_a.get("/orgs/").content.decode()  # anonymous
    member = logged_in(school_a, world.users["member_a"])
    assert "为你推荐" not in member.get("/orgs/").content.decode()  # nothing matches them


def test_api_per_role(world, school_a, client_a):
    response = logged_in(school_a, world.users["outsider"]).get("/api/v1/orgs/recommended/")
    assert response.status_code == 200
    body = response.json()
    assert [(r["id"], r["reason"]) for r in body] == [
        (world.a.pk, "你的学院：计算机学院"),
        (world.b.pk, "你所在城市：上海"),
        (world.finance.pk, "你的行业：金融"),
    ]
    assert body[0]["member_count"] == 3 and body[0]["type"] == "college"
    assert logged_in(school_a, world.users["president_a"]).get("/api/v1/orgs/recommended/").json() == []
    assert client_a.get("/api/v1/orgs/recommended/").status_code in (401, 403)
    with inside(school_a):
        unlinked = get_user_model().objects.create_user(
            username="13600000088", phone="13600000088", password="x-Pass-12"
        )
    response = logged_in(school_a, unlinked).get("/api/v1/orgs/recommended/")
    assert response.status_code == 403 and response.json()["code"] == "account_not_linked"


def test_other_school_never_recommends_alpha_chapters(world, school_b):
    with inside(school_b):
        person, user = network.make_person("beta校友")
        Person.objects.filter(pk=person.pk).update(city="上海", industry="金融")
    body = logged_in(school_b, user).get("/api/v1/orgs/recommended/").json()
    assert body == []
    page = logged_in(school_b, user).get("/orgs/").content.decode()
    assert "上海校友会" not in page and "金融校友会" not in page


def test_demo_alumni_get_recommendations(school_b):
    with inside(school_b):
        Organization.objects.filter(depth__gt=1).delete()  # a clean tree for the demo to build
        for order, name in enumerate(["计算机学院", "外国语学院", "法学院", "数学学院"]):
            College.objects.get_or_create(name=name, defaults={"sort_order": order})
        alumni = [network.make_person(f"演示校友{n}")[0] for n in range(6)]
        admin = get_user_model().objects.get(email="admin@beta.edu.cn")
        demo_network_build(school=school_b, actor=admin, seed="test")
        for person in alumni:
            person = Person.objects.get(pk=person.pk)
            assert person.city and person.industry
            assert recommended_organizations(person), person.name
        # And one application to found a club waits for the office.
        assert ClubApplication.objects.filter(status="pending").count() == 1
