"""最近动态 on an organization's page: written by the services that matter (joins, one line a day;
notices; new sub-organizations; officer changes) and by other apps through org_activity_record;
the latest 10 of the organization and its subtree, the same for every viewer, with nobody's
contact details and no joiner's name; never another school's."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from alumni.network.models import Membership, OrgActivity, Organization, OrgType, ReviewMode, Role
from alumni.network.services import (
    join_request_approve,
    join_request_submit,
    org_activity_record,
    org_create,
    org_notice_send,
    role_assign,
    role_transfer,
)
from alumni.people.models import Person
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _texts(org: Organization) -> list[str]:
    return list(OrgActivity.objects.filter(organization=org).values_list("text", flat=True))


def test_joins_add_up_to_one_line_a_day(tree, school_a):
    with inside(school_a):
        Organization.objects.filter(pk=tree.b.pk).update(review_mode=ReviewMode.OPEN)
        first, _ = network.make_person("新人甲")
        second, _ = network.make_person("新人乙")
        join_request_submit(person=first, organization=tree.org("b"))
        join_request_submit(person=second, organization=tree.org("b"))
        assert _texts(tree.b) == ["新增 2 名成员"]
        # An approved request counts too; a pending one does not.
        third, _ = network.make_person("新人丙")
        request = join_request_submit(person=third, organization=tree.a)
        assert _texts(tree.a) == []
        join_request_approve(join_request=request, actor=tree.users["president_a"])
        assert _texts(tree.a) == ["新增 1 名成员"]
        # Yesterday's line stays as it was; today starts a new one.
        OrgActivity.objects.filter(organization=tree.b).update(
            day=timezone.localdate() - timedelta(days=1), created_at=timezone.now() - timedelta(days=1)
        )
        fourth, _ = network.make_person("新人丁")
        join_request_submit(person=fourth, organization=tree.org("b"))
        assert _texts(tree.b) == ["新增 1 名成员", "新增 2 名成员"]
        assert all("新人" not in text for text in _texts(tree.a) + _texts(tree.b))


def test_services_that_matter_write_activity(tree, school_a):
    with inside(school_a):
        admin = tree.users["school_admin"]
        club = org_create(parent=tree.a, actor=tree.users["president_a"], name="围棋社", type=OrgType.CLUB)
        assert _texts(club) == ["俱乐部/兴趣组“围棋社”成立"]
        member = Membership.objects.get(person=tree.persons["member_a"], organization=tree.a)
        role_assign(membership=member, role=Role.SECRETARY_GENERAL, actor=admin)
        role_assign(membership=member, role=Role.MEMBER, actor=admin)
        role_transfer(organization=tree.a, to_person=tree.persons["admin_a"], actor=admin)
        org_notice_send(
            organization=tree.a,
            actor=tree.users["president_a"],
            subject="年会报名",
            text="…",
            key=uuid.uuid4(),
        )
        name = tree.persons["member_a"].name
        assert _texts(tree.a) == [
            "发布通知：年会报名",
            f"{tree.persons['admin_a'].name}担任会长",
            f"{name}卸任秘书长",
            f"{name}担任秘书长",
        ]
        notice = OrgActivity.objects.get(organization=tree.a, kind="notice_sent")
        assert notice.actor_id == tree.persons["president_a"].pk
        # Another app (events, later) records through the same service.
        org_activity_record(organization=tree.a1, kind="event", text="活动“秋季联赛”开始报名")
        with pytest.raises(ValueError):
            org_activity_record(organization=tree.a1, kind="gossip", text="x")


def test_page_and_api_show_the_latest_ten_of_the_subtree_to_everyone(tree, school_a, client_a):
    with inside(school_a):
        Person.objects.filter(pk=tree.persons["president_a"].pk).update(phones=["13912345678"])
        now = timezone.now()
        for n in range(12):
            OrgActivity.objects.create(
                organization=tree.a1 if n % 2 else tree.a,
                kind="event",
                text=f"动态{n:02d}",
                created_at=now - timedelta(minutes=100 - n),
            )
        OrgActivity.objects.create(organization=tree.b, kind="event", text="上海的动态", created_at=now)
        hidden = tree.a2
        OrgActivity.objects.create(organization=hidden, kind="event", text="停用组织的动态", created_at=now)
        Organization.objects.filter(pk=hidden.pk).update(is_active=False)
    expected = [f"动态{n:02d}" for n in range(11, 1, -1)]
    viewers = [client_a] + [
        logged_in(school_a, tree.users[r]) for r in ("member_a", "outsider", "president_a")
    ]
    for client in viewers:
        body = client.get(f"/api/v1/orgs/{tree.a.pk}/").json()
        assert [a["text"] for a in body["activities"]] == expected
        assert body["activities"][0]["organization_name"] == "羽毛球俱乐部"
        assert set(body["activities"][0]) == {
            "kind",
            "text",
            "organization_id",
            "organization_name",
            "created_at",
        }
        page = client.get(f"/orgs/{tree.a.pk}/").content.decode()
        assert "最近动态" in page and "动态11" in page and "动态01" not in page
        assert "上海的动态" not in page and "停用组织的动态" not in page
        assert "13912345678" not in page and "13912345678" not in str(body)
    # A club's page shows its own lines only.
    page = client_a.get(f"/orgs/{tree.a1.pk}/").content.decode()
    assert "动态11" in page and "动态10" not in page


def test_other_school_never_sees_alpha_activity(tree, school_a, school_b, client_b):
    with inside(school_a):
        org_activity_record(organization=tree.head, kind="event", text="阿尔法校庆")
        org_activity_record(organization=tree.a, kind="event", text="阿尔法学院日")
    with inside(school_b):
        head_b = Organization.get_root_nodes().first()
    body = client_b.get(f"/api/v1/orgs/{head_b.pk}/").json()
    assert "阿尔法校庆" not in str(body["activities"])
    assert "阿尔法校庆" not in client_b.get(f"/orgs/{head_b.pk}/").content.decode()
    # The same id in beta is beta's organization, or none: never alpha's lines.
    response = client_b.get(f"/api/v1/orgs/{tree.a.pk}/")
    assert response.status_code == 404 or "阿尔法" not in str(response.json())
