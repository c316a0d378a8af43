"""The network plugged into other apps: privacy ("my chapters"), campaign recipients, provisioning."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alumni.messaging.services.campaigns import campaign_create, campaign_set_recipients
from alumni.network.models import Membership, Organization, OrgType
from alumni.network.selectors import head_association
from alumni.people.models import Person
from alumni.people.selectors.privacy import person_card, person_cards, viewer_for
from tests.alumni.network.support import *  # noqa: F403
from tests.alumni.network.support import build_tree, make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _card(viewer_person, viewer_user, person):
    return person_card(person, viewer_person=viewer_person, viewer_user=viewer_user)


def test_chapter_visible_fields_open_to_fellow_members_including_sub_chapters(tree):
    owner, _ = make_person("主人")
    owner.wechat_id = "owner_wx"
    owner.privacy = {"wechat_id": "chapters"}
    owner.save()
    Membership.objects.create(person=owner, organization=tree.a1)
    Membership.objects.create(person=owner, organization=tree.head)

    fellow, fellow_user = make_person("同会")  # a member of the parent chapter A
    Membership.objects.create(person=fellow, organization=tree.a)
    club_mate, club_user = make_person("同会另一俱乐部")  # A2: shares A with A1's member
    Membership.objects.create(person=club_mate, organization=tree.a2)
    stranger, stranger_user = make_person("外会")  # only chapter B and the head association
    Membership.objects.create(person=stranger, organization=tree.b)
    Membership.objects.create(person=stranger, organization=tree.head)

    assert _card(fellow, fellow_user, owner)["wechat_id"] == "owner_wx"
    assert _card(fellow, fellow_user, owner)["relation"] == "chapter"
    assert _card(club_mate, club_user, owner)["wechat_id"] == "owner_wx"
    stranger_card = _card(stranger, stranger_user, owner)
    assert "wechat_id" not in stranger_card and stranger_card["relation"] == "alumni"


def test_sharing_only_the_head_association_is_not_a_chapter(tree):
    owner, _ = make_person()
    owner.privacy = {"email": "chapters"}
    owner.save()
    viewer, viewer_user = make_person()
    for person in (owner, viewer):
        Membership.objects.create(person=person, organization=tree.head)
    assert "emails" not in _card(viewer, viewer_user, owner)


def test_chapter_campaign_reaches_exactly_the_subtree(tree):
    in_club, _ = make_person("俱乐部成员", email="club@example.com")
    Membership.objects.create(person=in_club, organization=tree.a1)
    Membership.objects.create(person=in_club, organization=tree.a)  # counted once
    in_b, _ = make_person("上海成员")
    Membership.objects.create(person=in_b, organization=tree.b)
    admin = tree.users["school_admin"]
    campaign = campaign_create(actor=admin, name="分会通知")
    campaign_set_recipients(
        campaign=campaign, actor=admin, source="chapter", params={"chapter_id": tree.a.pk}
    )
    expected = {tree.persons[k].pk for k in ("president_a", "admin_a", "member_a")} | {in_club.pk}
    recipients = list(campaign.recipients.values_list("person_id", flat=True))
    assert sorted(recipients) == sorted(expected)

    campaign_set_recipients(
        campaign=campaign, actor=admin, source="chapter", params={"chapter_id": tree.a1.pk}
    )
    assert list(campaign.recipients.values_list("person_id", flat=True)) == [in_club.pk]


def test_each_school_has_its_own_tree(school_a, school_b):
    with inside(school_a):
        tree = build_tree()
        assert head_association().name == "阿尔法大学校友总会"
        alpha_names = set(Organization.objects.values_list("name", flat=True))
    with inside(school_b):
        head = head_association()
        assert head.name == "贝塔理工大学校友总会"
        assert set(Organization.objects.values_list("name", flat=True)) == {"贝塔理工大学校友总会"}
        assert not Membership.objects.exists()
        Organization.objects.get(pk=head.pk).add_child(type=OrgType.CLUB, name="贝塔俱乐部")
    with inside(school_a):
        assert set(Organization.objects.values_list("name", flat=True)) == alpha_names
        assert Membership.objects.filter(organization=tree.a).count() == 3


def test_head_association_is_created_lazily_if_missing(school_a):
    with inside(school_a):
        Organization.objects.all().delete()
        head = head_association()
        assert head.name == "校友总会" and head.type == OrgType.HEAD and head.depth == 1
        assert head_association().pk == head.pk


def test_a_directory_list_costs_no_query_per_card(tree):
    owner, _ = make_person()
    owner.privacy = {"email": "chapters"}
    owner.save()
    Membership.objects.create(person=owner, organization=tree.a2)
    others = [make_person()[0] for _ in range(5)]
    viewer_person, viewer_user = tree.persons["member_a"], tree.users["member_a"]
    viewer = viewer_for(viewer_person=viewer_person, viewer_user=viewer_user)  # loads the chapters once
    persons = list(
        Person.objects.filter(pk__in=[owner.pk] + [p.pk for p in others]).prefetch_related("degrees")
    )
    with CaptureQueriesContext(connection) as context:
        cards = {c["name"]: c for c in person_cards(persons, viewer=viewer)}
    assert not [q for q in context.captured_queries if not q["sql"].startswith("SET search_path")]
    assert cards[owner.name]["relation"] == "chapter" and "emails" in cards[owner.name]
    assert all(cards[p.name]["relation"] == "alumni" for p in others)
