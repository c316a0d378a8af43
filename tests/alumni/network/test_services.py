"""Organizations, joining, leaving, roles and groups: what a chapter and an applicant notice."""

from __future__ import annotations

import pytest

from alumni.core.models import AuditEntry
from alumni.network.errors import (
    JoinAnswersInvalid,
    JoinRefused,
    JoinRequestDecided,
    MembershipConflict,
    NotAllowed,
    OrganizationInvalid,
    OrganizationMoveInvalid,
)
from alumni.network.models import JoinRequest, Membership, Organization, OrgType, ReviewMode, Role
from alumni.network.selectors import head_association, subtree
from alumni.network.services import (
    group_create,
    group_members_set,
    join_request_approve,
    join_request_reject,
    join_request_submit,
    membership_leave,
    membership_remove,
    org_create,
    org_move,
    org_update,
    role_assign,
    role_transfer,
)
from tests.alumni.network.support import *  # noqa: F403
from tests.alumni.network.support import make_person

pytestmark = pytest.mark.django_db


def test_head_association_is_the_single_root_named_after_the_school(tree):
    assert tree.head.name == "阿尔法大学校友总会" and tree.head.type == OrgType.HEAD
    assert head_association().pk == tree.head.pk
    assert Organization.get_root_nodes().count() == 1


def test_open_organization_admits_at_once(tree):
    org_update(organization=tree.a1, actor=tree.users["school_admin"], review_mode=ReviewMode.OPEN)
    person, _ = make_person()
    request = join_request_submit(person=person, organization=tree.a1)
    assert request.status == JoinRequest.Status.APPROVED
    assert Membership.objects.get(person=person, organization=tree.a1).role == Role.MEMBER


def test_approval_organization_queues_the_request_with_its_answers(tree):
    org_update(
        organization=tree.a,
        actor=tree.users["president_a"],
        join_form=[{"key": "class", "label": "毕业班级", "required": True}, {"key": "note", "label": "备注"}],
    )
    person, _ = make_person()
    with pytest.raises(JoinAnswersInvalid, match="毕业班级"):
        join_request_submit(person=person, organization=tree.a, answers={})
    request = join_request_submit(person=person, organization=tree.a, answers={"class": "计科 2010 级 1 班"})
    assert request.status == JoinRequest.Status.PENDING
    assert request.answers == {"class": "计科 2010 级 1 班", "note": ""}
    assert not Membership.objects.filter(person=person, organization=tree.a).exists()
    with pytest.raises(JoinRefused) as twice:
        join_request_submit(person=person, organization=tree.a, answers={"class": "x"})
    assert twice.value.code == "join_pending"


def test_invite_only_refuses_applications_clearly(tree):
    org_update(organization=tree.b, actor=tree.users["school_admin"], review_mode=ReviewMode.INVITE_ONLY)
    person, _ = make_person()
    with pytest.raises(JoinRefused, match="仅限邀请") as refused:
        join_request_submit(person=person, organization=tree.b)
    assert refused.value.code == "join_invite_only"
    assert not JoinRequest.objects.filter(person=person).exists()


def test_members_cannot_apply_again_and_inactive_orgs_refuse(tree):
    with pytest.raises(JoinRefused) as member:
        join_request_submit(person=tree.persons["member_a"], organization=tree.a)
    assert member.value.code == "already_member"
    org_update(organization=tree.a2, actor=tree.users["admin_a"], is_active=False)
    with pytest.raises(JoinRefused) as inactive:
        join_request_submit(person=tree.persons["outsider"], organization=tree.a2)
    assert inactive.value.code == "organization_inactive"


def test_approve_then_decide_again_is_refused_and_reject_needs_a_reason(tree):
    person, _ = make_person()
    request = join_request_submit(person=person, organization=tree.a)
    with pytest.raises(JoinAnswersInvalid):
        join_request_reject(join_request=request, actor=tree.users["admin_a"], reason="  ")
    approved = join_request_approve(join_request=request, actor=tree.users["admin_a"])
    assert approved.reviewer_id == tree.users["admin_a"].pk and approved.decided_at
    with pytest.raises(JoinRequestDecided):
        join_request_reject(join_request=request, actor=tree.users["president_a"], reason="晚了")
    assert JoinRequest.objects.get(pk=request.pk).status == JoinRequest.Status.APPROVED
    assert AuditEntry.objects.filter(action="network.join_approve", object_id=str(request.pk)).exists()


def test_rejected_applicant_sees_the_reason_and_may_apply_again(tree):
    person, _ = make_person()
    request = join_request_submit(person=person, organization=tree.a)
    join_request_reject(join_request=request, actor=tree.users["president_a"], reason="请补充毕业信息")
    assert JoinRequest.objects.get(pk=request.pk).reason == "请补充毕业信息"
    again = join_request_submit(person=person, organization=tree.a)
    assert again.status == JoinRequest.Status.PENDING


def test_leave_and_the_president_must_hand_over_first(tree):
    membership_leave(person=tree.persons["member_a"], organization=tree.a)
    assert not Membership.objects.filter(person=tree.persons["member_a"]).exists()
    with pytest.raises(MembershipConflict) as president:
        membership_leave(person=tree.persons["president_a"], organization=tree.a)
    assert president.value.code == "president_must_transfer"
    with pytest.raises(MembershipConflict):
        membership_remove(
            membership=Membership.objects.get(person=tree.persons["president_a"]),
            actor=tree.users["school_admin"],
        )


def test_role_assign_never_touches_the_presidency(tree):
    pres = Membership.objects.get(person=tree.persons["president_a"], organization=tree.a)
    with pytest.raises(MembershipConflict):
        role_assign(membership=pres, role=Role.MEMBER, actor=tree.users["admin_a"])
    member = Membership.objects.get(person=tree.persons["member_a"], organization=tree.a)
    with pytest.raises(MembershipConflict):
        role_assign(membership=member, role=Role.PRESIDENT, actor=tree.users["school_admin"])
    role_assign(membership=member, role=Role.SECRETARY_GENERAL, actor=tree.users["admin_a"])
    assert Membership.objects.get(pk=member.pk).role == Role.SECRETARY_GENERAL
    entry = AuditEntry.objects.get(action="network.role_assign")
    assert entry.after == {"person_id": member.person_id, "role": "secretary_general"}


def test_role_transfer_keeps_exactly_one_president(tree):
    member = tree.persons["member_a"]
    role_transfer(organization=tree.a, to_person=member, actor=tree.users["president_a"])
    roles = dict(Membership.objects.filter(organization=tree.a).values_list("person_id", "role"))
    assert roles[member.pk] == Role.PRESIDENT
    assert roles[tree.persons["president_a"].pk] == Role.VICE_PRESIDENT
    assert list(roles.values()).count(Role.PRESIDENT) == 1
    # The old president (now vice-president) can no longer hand the presidency on …
    with pytest.raises(NotAllowed):
        role_transfer(
            organization=tree.a, to_person=tree.persons["president_a"], actor=tree.users["president_a"]
        )
    # … an admin of A never could; the school admin can, and can demote to member.
    with pytest.raises(NotAllowed):
        role_transfer(organization=tree.a, to_person=tree.persons["admin_a"], actor=tree.users["admin_a"])
    role_transfer(
        organization=tree.a,
        to_person=tree.persons["admin_a"],
        actor=tree.users["school_admin"],
        old_president_role=Role.MEMBER,
    )
    roles = dict(Membership.objects.filter(organization=tree.a).values_list("person_id", "role"))
    assert roles[member.pk] == Role.MEMBER and roles[tree.persons["admin_a"].pk] == Role.PRESIDENT
    assert list(roles.values()).count(Role.PRESIDENT) == 1


def test_role_transfer_to_a_non_member_is_refused(tree):
    with pytest.raises(MembershipConflict) as refused:
        role_transfer(
            organization=tree.a, to_person=tree.persons["outsider"], actor=tree.users["president_a"]
        )
    assert refused.value.code == "not_member"


def test_an_officer_of_a_parent_may_hand_over_a_club(tree):
    person, _ = make_person()
    Membership.objects.create(person=person, organization=tree.a1)
    role_transfer(organization=tree.a1, to_person=person, actor=tree.users["admin_a"])
    assert Membership.objects.get(person=person, organization=tree.a1).role == Role.PRESIDENT


def test_move_carries_the_branch_and_refuses_its_own_descendant(tree):
    admin = tree.users["school_admin"]
    with pytest.raises(OrganizationMoveInvalid):
        org_move(organization=tree.a, new_parent=tree.a1, actor=admin)
    with pytest.raises(OrganizationMoveInvalid):
        org_move(organization=tree.a, new_parent=tree.a, actor=admin)
    with pytest.raises(OrganizationMoveInvalid):
        org_move(organization=tree.head, new_parent=tree.b, actor=admin)
    org_move(organization=tree.a, new_parent=tree.b, actor=admin)
    b = tree.org("b")
    assert set(subtree(b).values_list("name", flat=True)) == {
        "上海校友会",
        "计算机学院校友会",
        "羽毛球俱乐部",
        "摄影俱乐部",
    }
    assert tree.org("a1").get_parent().pk == tree.a.pk
    entry = AuditEntry.objects.get(action="network.org_move")
    assert entry.before["parent"] == tree.head.name and entry.after["parent"] == "上海校友会"


def test_create_validates_and_audits(tree):
    admin = tree.users["president_a"]
    with pytest.raises(OrganizationInvalid):
        org_create(parent=tree.a, actor=admin, name=" ", type=OrgType.CLUB)
    with pytest.raises(OrganizationInvalid):
        org_create(parent=tree.a, actor=admin, name="第二总会", type=OrgType.HEAD)
    club = org_create(
        parent=tree.a, actor=admin, name="跑步俱乐部", type=OrgType.CLUB, industries=["教育", "教育", " "]
    )
    assert club.industries == ["教育"] and club.depth == 3
    assert AuditEntry.objects.filter(action="network.org_create", object_id=str(club.pk)).exists()
    with pytest.raises(OrganizationInvalid):
        org_update(organization=tree.head, actor=tree.users["school_admin"], is_active=False)


def test_groups_list_members_of_the_organization_only(tree):
    group = group_create(organization=tree.a, name="理事会", actor=tree.users["president_a"])
    with pytest.raises(OrganizationInvalid):
        group_create(organization=tree.a, name="理事会", actor=tree.users["president_a"])
    with pytest.raises(NotAllowed):
        group_create(organization=tree.b, name="名人堂", actor=tree.users["president_a"])
    with pytest.raises(MembershipConflict):
        group_members_set(group=group, person_ids=[tree.persons["outsider"].pk], actor=tree.users["admin_a"])
    ids = [tree.persons["member_a"].pk, tree.persons["admin_a"].pk]
    group_members_set(group=group, person_ids=ids, actor=tree.users["admin_a"])
    assert set(group.members.values_list("pk", flat=True)) == set(ids)
    membership_leave(person=tree.persons["member_a"], organization=tree.a)
    assert set(group.members.values_list("pk", flat=True)) == {tree.persons["admin_a"].pk}
