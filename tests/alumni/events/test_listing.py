"""The alumni event list: who sees which event, ordering, search, "my events", isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alumni.events.models import Event, Visibility
from alumni.events.selectors.listing import (
    EventFilters,
    event_list,
    my_favourites,
    my_organized,
    my_registrations,
    my_tickets,
    ticket_type_rows,
    visible_event,
)
from alumni.events.services.community import favourite_toggle
from alumni.events.services.events import event_delete, event_propose, event_set_flags
from alumni.events.services.registrations import registration_submit
from alumni.network.models import Membership
from tests.alumni.events.support import *  # noqa: F403
from tests.alumni.events.support import event_fields, make_event, make_person, ticket
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _titles(user, **filters) -> list[str]:
    return [e.title for e in event_list(user, EventFilters(**filters))]


@pytest.fixture
def events(etree):
    """One event per visibility: public (chapter B), alumni only (head), members of A, members of A1."""
    return {
        "public": make_event(etree.b, title="上海校友迎新酒会", visibility=Visibility.PUBLIC, tags=["酒会"]),
        "alumni": make_event(
            etree.head, title="全校校友返校日", visibility=Visibility.ALUMNI, tags=["返校"], guests_allowed=2
        ),
        "members_a": make_event(etree.a, title="计算机学院年会", visibility=Visibility.MEMBERS),
        "members_a1": make_event(etree.a1, title="羽毛球内部赛", visibility=Visibility.MEMBERS, city="杭州"),
    }


def test_visibility_per_role(etree, events):
    users = etree.users
    assert set(_titles(users["anonymous"])) == {"上海校友迎新酒会"}
    assert set(_titles(users["outsider"])) == {"上海校友迎新酒会", "全校校友返校日"}
    # A member of A sees A's members-only event, not the sub-club's: members-only means the
    # organization's members and members of the organizations below it.
    assert set(_titles(users["member_a"])) == {"上海校友迎新酒会", "全校校友返校日", "计算机学院年会"}
    club_member, club_user = make_person("球友")
    Membership.objects.create(person=club_member, organization=etree.a1)
    assert (
        set(_titles(club_user)) == set(_titles(users["school_admin"])) == {e.title for e in events.values()}
    )
    # The chapter's admin manages the club below, so sees its members-only event too.
    assert "羽毛球内部赛" in _titles(users["admin_a"])
    assert visible_event(users["outsider"], events["members_a"].public_id) is None
    assert visible_event(users["member_a"], events["members_a"].public_id).pk == events["members_a"].pk


def test_deleted_drafts_and_others_proposals_never_listed(etree, events):
    draft = make_event(etree.head, publish=False, title="草稿活动", visibility=Visibility.PUBLIC)
    proposal = event_propose(
        person=etree.persons["member_a"], organization=etree.a, **event_fields(title="校友羽毛球约战")
    )
    event_delete(event=events["public"], actor=etree.users["school_admin"])
    titles = _titles(etree.users["school_admin"])
    assert "草稿活动" not in titles and "上海校友迎新酒会" not in titles and "校友羽毛球约战" not in titles
    # The proposer opens their own proposal's page (to follow its review), others cannot.
    assert visible_event(etree.users["member_a"], proposal.public_id) is not None
    assert visible_event(etree.users["outsider"], proposal.public_id) is None
    assert visible_event(etree.users["outsider"], draft.public_id) is None


def test_pinned_recommended_then_my_organizations_then_soonest(etree, events):
    admin = etree.users["school_admin"]
    soon = make_event(
        etree.head,
        title="近期讲座",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
    )
    event_set_flags(event=events["public"], actor=admin, recommended=True)
    event_set_flags(event=events["alumni"], actor=admin, pinned=True)
    assert _titles(etree.users["member_a"]) == [
        "全校校友返校日",
        "上海校友迎新酒会",
        "计算机学院年会",
        soon.title,
    ]
    assert _titles(etree.users["outsider"]) == ["全校校友返校日", "上海校友迎新酒会", soon.title]


def test_search_by_keyword_tag_place_organizer_and_organization(etree, events):
    admin = etree.users["school_admin"]
    Event.objects.filter(pk=events["alumni"].pk).update(description="欢迎各届校友回到母校参加活动")
    assert _titles(admin, q="返校") == ["全校校友返校日"]
    assert _titles(admin, q="母校") == ["全校校友返校日"]  # a Chinese substring of the description
    assert _titles(admin, q="迎新 上海") == ["上海校友迎新酒会"]  # every term must match
    assert _titles(admin, q="酒会") == ["上海校友迎新酒会"]
    assert _titles(admin, tag="返校") == ["全校校友返校日"]
    assert _titles(admin, place="杭州") == ["羽毛球内部赛"]
    assert _titles(admin, organizer="上海校友会") == ["上海校友迎新酒会"]
    # The organization filter covers the organization's subtree.
    assert set(_titles(admin, organization=etree.a.pk)) == {"计算机学院年会", "羽毛球内部赛"}
    assert _titles(admin, q="不存在的活动") == []
    assert EventFilters.from_params({"org": "x", "when": "bogus", "q": " 返校 "}) == EventFilters(q="返校")


def test_past_events_are_listed_latest_first_on_request(etree, events):
    past = make_event(etree.head, title="去年校庆", visibility=Visibility.PUBLIC)
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - timedelta(days=30), ends_at=timezone.now() - timedelta(days=29)
    )
    user = etree.users["outsider"]
    assert "去年校庆" not in _titles(user)
    assert _titles(user, when="past") == ["去年校庆"]
    assert "去年校庆" in _titles(user, when="all")


def test_my_events_registered_organized_favourites_and_tickets(etree, events):
    person, user = etree.persons["alumnus"], etree.users["alumnus"]
    registration = registration_submit(
        event=events["alumni"], person=person, ticket_type=ticket(events["alumni"]), guests=[{"name": "家属"}]
    )
    assert [r.pk for r in my_registrations(person)] == [registration.pk]
    tickets = list(my_tickets(person))
    assert len(tickets) == 2 and {t.event_id for t in tickets} == {events["alumni"].pk}
    assert favourite_toggle(event=events["public"], person=person) is True
    assert [e.pk for e in my_favourites(user, person)] == [events["public"].pk]
    assert favourite_toggle(event=events["public"], person=person) is False
    assert list(my_favourites(user, person)) == []
    proposal = event_propose(
        person=etree.persons["member_a"], organization=etree.a, **event_fields(title="约球")
    )
    organized = {e.pk for e in my_organized(etree.users["member_a"], etree.persons["member_a"])}
    assert organized == {proposal.pk}
    # An officer of A organizes A's and its clubs' events (and no one else's).
    officer = {e.pk for e in my_organized(etree.users["admin_a"], etree.persons["admin_a"])}
    assert officer == {events["members_a"].pk, events["members_a1"].pk, proposal.pk}


def test_places_left_per_ticket_type_bounded_by_capacity(etree):
    event = make_event(
        etree.head,
        capacity=3,
        guests_allowed=1,
        ticket_types=[{"name": "早鸟", "quota": 2}, {"name": "普通"}],
    )
    registration_submit(
        event=event,
        person=etree.persons["alumnus"],
        ticket_type=ticket(event, "早鸟"),
        guests=[{"name": "同伴"}],
    )
    event.refresh_from_db()
    left = {row.ticket_type.name: (row.places_left, row.sold_out) for row in ticket_type_rows(event)}
    assert left == {"早鸟": (0, True), "普通": (1, False)}


def test_school_beta_sees_none_of_alphas_events(etree, events, school_b):
    public_id = events["public"].public_id
    with inside(school_b):
        from django.contrib.auth import get_user_model

        admin_b = get_user_model().objects.get(email="admin@beta.edu.cn")
        assert list(event_list(admin_b, EventFilters(when="all"))) == []
        assert visible_event(admin_b, public_id) is None
