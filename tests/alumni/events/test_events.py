"""Organizing: who may create and change events, alumni proposals and their review, flags,
deletion, ticket types, and who sees which event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from alumni.core.models import AuditEntry
from alumni.events.errors import EventInvalid, EventNotAllowed, EventStateConflict, InvalidTicket
from alumni.events.models import Event, EventStatus, Visibility
from alumni.events.selectors.events import can_manage_event, events_visible_to
from alumni.events.services.events import (
    event_create,
    event_delete,
    event_propose,
    event_publish,
    event_review,
    event_set_flags,
    event_update,
    ticket_types_save,
)
from alumni.events.services.registrations import registration_submit
from alumni.events.signing import ticket_payload, ticket_verify
from alumni.messaging.models import MessageLog
from alumni.network.models import Membership
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import event_fields, make_event, make_person, ticket
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def test_chapter_admin_creates_events_for_the_subtree_only(etree):
    admin_a = etree.users["admin_a"]
    event = event_create(organization=etree.a1, actor=admin_a, **event_fields(title="羽毛球友谊赛"))
    assert event.status == EventStatus.DRAFT and event.ticket_types.get().price == 0
    assert AuditEntry.objects.filter(action="events.event_create", object_id=str(event.pk)).exists()
    for org in (etree.b, etree.head):
        with pytest.raises(EventNotAllowed):
            event_create(organization=org, actor=admin_a, **event_fields())
    for key in ("member_a", "alumnus"):
        with pytest.raises(EventNotAllowed):
            event_create(organization=etree.a, actor=etree.users[key], **event_fields())
    assert event_create(organization=etree.b, actor=etree.users["school_admin"], **event_fields()).pk


def test_each_event_gets_its_own_ticket_signing_key(etree):
    first, second = make_event(etree.a), make_event(etree.a)
    assert first.verify_key and first.verify_key != second.verify_key
    payload = ticket_payload(
        private_sealed=first.signing_key,
        event_public_id=first.public_id,
        ticket_code="ABC",
        version=1,
        valid_until=int((first.ends_at + timedelta(days=1)).timestamp()),
    )
    assert ticket_verify(payload, public_b64=first.verify_key)["event"] == first.public_id
    with pytest.raises(InvalidTicket):  # another event's key does not verify it
        ticket_verify(payload, public_b64=second.verify_key)


def test_event_details_are_validated(etree):
    admin = etree.users["school_admin"]
    with pytest.raises(EventInvalid, match="结束时间"):
        event_create(
            organization=etree.a,
            actor=admin,
            **event_fields(ends_at=event_fields()["starts_at"] - timedelta(hours=1)),
        )
    with pytest.raises(EventInvalid, match="地点"):
        event_create(organization=etree.a, actor=admin, **event_fields(place=""))
    assert event_create(organization=etree.a, actor=admin, **event_fields(place="", is_online=True)).is_online
    with pytest.raises(EventInvalid, match="选择题"):
        event_create(
            organization=etree.a,
            actor=admin,
            **event_fields(form=[{"key": "k", "label": "餐食", "type": "choice", "options": ["素"]}]),
        )


def test_capacity_cannot_go_below_places_taken(etree):
    event = make_event(etree.a, capacity=5)
    registration_submit(event=event, person=etree.persons["alumnus"], ticket_type=ticket(event))
    registration_submit(event=event, person=etree.persons["outsider"], ticket_type=ticket(event))
    with pytest.raises(EventInvalid, match="已有 2 人"):
        event_update(event=event, actor=etree.users["admin_a"], capacity=1)
    assert event_update(event=event, actor=etree.users["admin_a"], capacity=2).capacity == 2
    with pytest.raises(EventNotAllowed):
        event_update(event=event, actor=etree.users["member_a"], title="改名")


def test_paid_ticket_types_and_quota_floor(etree):
    event = make_event(etree.a)
    default = ticket(event)
    saved = ticket_types_save(
        event=event,
        actor=etree.users["admin_a"],
        specs=[{"id": default.pk, "name": "校友票", "quota": 100}, {"name": "晚宴票", "price": 28800}],
    )
    assert [(t.name, t.price, t.quota) for t in saved] == [("校友票", 0, 100), ("晚宴票", 28800, None)]
    with pytest.raises(EventInvalid, match="票价"):
        ticket_types_save(event=event, actor=etree.users["admin_a"], specs=[{"name": "x", "price": 1.5}])


def test_alumnus_proposal_reviewed_approved_or_rejected_with_reason(etree):
    proposer = etree.persons["alumnus"]
    proposal = event_propose(person=proposer, organization=etree.a, **event_fields(title="十年聚会"))
    assert proposal.status == EventStatus.PENDING and proposal.proposed_by == proposer
    with pytest.raises(EventNotAllowed):
        event_review(event=proposal, actor=etree.users["member_a"], approve=True)
    with pytest.raises(EventInvalid):
        event_review(event=proposal, actor=etree.users["admin_a"], approve=False)
    rejected = event_review(event=proposal, actor=etree.users["admin_a"], approve=False, reason="时间冲突")
    assert rejected.status == EventStatus.REJECTED and rejected.reject_reason == "时间冲突"
    assert MessageLog.objects.filter(person_id=proposer.pk, body__contains="时间冲突").exists()
    with pytest.raises(EventStateConflict):
        event_review(event=rejected, actor=etree.users["admin_a"], approve=True)
    second = event_propose(person=proposer, organization=etree.a, **event_fields(title="毕业二十年"))
    assert (
        event_review(event=second, actor=etree.users["school_admin"], approve=True).status
        == EventStatus.PUBLISHED
    )
    assert MessageLog.objects.filter(person_id=proposer.pk, subject="活动申请已通过").exists()


def test_pin_recommend_and_delete(etree):
    event = make_event(etree.a)
    later = make_event(
        etree.a, starts_at=event.starts_at + timedelta(days=30), ends_at=event.ends_at + timedelta(days=30)
    )
    event_set_flags(event=event, actor=etree.users["admin_a"], pinned=True, recommended=True)
    assert Event.objects.filter(pk__in=[event.pk, later.pk]).first().pk == event.pk
    with pytest.raises(EventNotAllowed):
        event_set_flags(event=event, actor=etree.users["alumnus"], pinned=False)
    registration_submit(event=event, person=etree.persons["alumnus"], ticket_type=ticket(event))
    with pytest.raises(EventStateConflict, match="有效报名"):
        event_delete(event=event, actor=etree.users["admin_a"])
    event_delete(event=later, actor=etree.users["admin_a"])
    assert not events_visible_to(etree.users["school_admin"]).filter(pk=later.pk).exists()


def test_publish_needs_an_active_ticket_type(etree):
    event = make_event(etree.a, publish=False)
    ticket_types_save(
        event=event,
        actor=etree.users["admin_a"],
        specs=[{"id": ticket(event).pk, "name": "普通票", "is_active": False}],
    )
    with pytest.raises(EventStateConflict):
        event_publish(event=event, actor=etree.users["admin_a"])


def test_visibility_per_role(etree):
    public = make_event(etree.a, title="公开讲座", visibility=Visibility.PUBLIC)
    make_event(etree.a, title="校友专场", visibility=Visibility.ALUMNI)
    members_a = make_event(etree.a, title="A会员活动", visibility=Visibility.MEMBERS)
    members_b = make_event(etree.b, title="B会员活动", visibility=Visibility.MEMBERS)
    make_event(etree.a, title="草稿", publish=False)
    event_propose(person=etree.persons["alumnus"], organization=etree.a, **event_fields(title="我的提议"))
    club_member, club_user = make_person("club")
    Membership.objects.create(person=club_member, organization=etree.a1)

    def seen(user) -> set[str]:
        return set(events_visible_to(user).values_list("title", flat=True))

    assert seen(AnonymousUser()) == {"公开讲座"}
    assert seen(etree.users["outsider"]) == {"公开讲座", "校友专场"}
    assert seen(etree.users["alumnus"]) == {"公开讲座", "校友专场", "我的提议"}
    assert seen(club_user) == {"公开讲座", "校友专场", "A会员活动"}  # a sub-club member sees A's
    assert seen(etree.users["member_a"]) == {"公开讲座", "校友专场", "A会员活动"}
    assert seen(etree.users["school_admin"]) == {"公开讲座", "校友专场", "A会员活动", "B会员活动"}
    assert "B会员活动" not in seen(etree.users["admin_a"])
    assert can_manage_event(etree.users["admin_a"], members_a)
    assert not can_manage_event(etree.users["admin_a"], members_b)
    assert not can_manage_event(etree.users["member_a"], members_a)
    assert not can_manage_event(AnonymousUser(), public)


def test_school_beta_sees_none_of_alphas_events(school_b, etree, school_a):
    make_event(etree.a, visibility=Visibility.PUBLIC)
    with inside(school_b):
        assert not events_visible_to(AnonymousUser()).exists()
        assert not Event.objects.exists()


def test_demo_builder_makes_the_showcase_once(etree, school_a):
    from alumni.events.demo import demo_events_build
    from alumni.events.models import Registration, RegistrationStatus

    summary = demo_events_build(school=school_a, actor=etree.users["school_admin"], seed="t")
    assert summary["events"] == 4 and summary["registrations"] > 0
    published = Event.objects.filter(status=EventStatus.PUBLISHED)
    assert published.count() == 3
    homecoming = published.get(title__endswith="校友返校日")
    assert sorted(homecoming.ticket_types.values_list("price", flat=True)) == [0, 28800]
    assert Registration.objects.filter(event=homecoming, status=RegistrationStatus.CONFIRMED).exists()
    assert Event.objects.filter(status=EventStatus.PENDING).count() == 1
    assert demo_events_build(school=school_a, actor=etree.users["school_admin"], seed="t")["events"] == 0
