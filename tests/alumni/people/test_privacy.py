"""Every cell of the viewer × visibility table of selectors.privacy.person_card, for a plain field
(company) and for the phone (absent / masked / whole), on a card and in a list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from alumni.people.choices import Verification
from alumni.people.models import CardExchange
from alumni.people.selectors import privacy
from alumni.people.selectors.privacy import person_card, person_cards, register_chapter_rule, viewer_for
from alumni.people.services.records import person_set_privacy
from tests.alumni.people.alumni_side import college, make_user, record, verified_alumnus

PHONE = "13812345678"
MASKED = "138****5678"
ROLES = ("anonymous", "unverified", "alumnus", "same_college", "partner", "admin", "self")
LEVELS = ("everyone", "alumni", "chapters", "nobody")

# Who sees a visibility level at all (plain fields and whether a phone shows, masked or not).
SEES = {
    "anonymous": {"everyone"},
    "unverified": {"everyone"},
    "alumnus": {"everyone", "alumni"},
    "same_college": {"everyone", "alumni", "chapters"},
    "partner": {"everyone", "alumni", "chapters"},
    "admin": set(LEVELS),
    "self": set(LEVELS),
}
# Who sees a visible phone whole on a card (never in a list).
PHONE_WHOLE = {"partner", "admin", "self"}


@pytest.fixture
def world(in_school_a):
    cs = college("计算机科学与技术学院")
    law = college("法学院")
    target, _ = verified_alumnus(
        "目标", college_obj=cs, phones=[PHONE], company="腾讯", emails=["t@example.com"]
    )
    alumnus, alumnus_user = verified_alumnus("路人", college_obj=law)
    classmate, classmate_user = verified_alumnus("同院", college_obj=cs)
    partner, partner_user = verified_alumnus("伙伴", college_obj=law)
    CardExchange.objects.create(requester=partner, recipient=target, status=CardExchange.Status.ACCEPTED)
    # Unverified: an account whose record is still waiting for review (same college, even).
    pending = record("待审", college_obj=cs, verification=Verification.PENDING)
    unverified_user = make_user(name="待审")
    from alumni.people.models import AccountLink

    AccountLink.objects.create(user=unverified_user, person=pending)
    admin = make_user(name="管理员", is_superuser=True)
    viewers = {
        "anonymous": (None, AnonymousUser()),
        "unverified": (pending, unverified_user),
        "alumnus": (alumnus, alumnus_user),
        "same_college": (classmate, classmate_user),
        "partner": (partner, partner_user),
        "admin": (None, admin),
        "self": (target, target.accounts.get().user),
    }
    return target, viewers


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", ROLES)
def test_every_cell_of_the_table(world, role, level):
    target, viewers = world
    target = person_set_privacy(person=target, choices={"company": level, "phone": level, "email": level})
    viewer_person, viewer_user = viewers[role]

    card = person_card(target, viewer_person=viewer_person, viewer_user=viewer_user)
    listed = person_card(target, viewer_person=viewer_person, viewer_user=viewer_user, in_list=True)

    expected_visible = level in SEES[role]
    assert card["name"] == "目标" and card["public_id"] == target.public_id  # always shown
    assert ("company" in card) is expected_visible
    assert ("emails" in card) is expected_visible
    if expected_visible:
        assert card["company"] == "腾讯"
        assert card["phones"] == ([PHONE] if role in PHONE_WHOLE else [MASKED])
        assert listed["phones"] == [MASKED]  # lists always mask
    else:
        assert "phones" not in card and "phones" not in listed  # absent, not even masked
    for value in card.values():
        assert "13812345678" not in str(value) or role in PHONE_WHOLE


def test_relations_are_named(world):
    target, viewers = world
    relations = {
        role: person_card(target, viewer_person=p, viewer_user=u)["relation"]
        for role, (p, u) in viewers.items()
    }
    assert relations == {
        "anonymous": "public",
        "unverified": "public",
        "alumnus": "alumni",
        "same_college": "chapter",
        "partner": "partner",
        "admin": "admin",
        "self": "self",
    }


def test_defaults_hide_phone_and_birth_date_from_alumni(world):
    target, viewers = world
    card = person_card(
        target, viewer_person=viewers["same_college"][0], viewer_user=viewers["same_college"][1]
    )
    assert "phones" not in card and "birth_date" not in card  # PRIVACY_DEFAULTS: nobody
    assert card["emails"] == ["t@example.com"]  # chapters
    assert card["company"] == "腾讯"  # alumni
    alumnus = person_card(target, viewer_person=viewers["alumnus"][0], viewer_user=viewers["alumnus"][1])
    assert "emails" not in alumnus and alumnus["company"] == "腾讯"


def test_a_pending_or_declined_exchange_opens_nothing(world, in_school_a):
    target, _viewers = world
    stranger, stranger_user = verified_alumnus("陌生", college_obj=college("法学院"))
    person_set_privacy(person=target, choices={"phone": "alumni"})
    target.refresh_from_db()
    exchange = CardExchange.objects.create(requester=stranger, recipient=target)
    assert person_card(target, viewer_person=stranger, viewer_user=stranger_user)["phones"] == [MASKED]
    exchange.status = CardExchange.Status.DECLINED
    exchange.save()
    assert person_card(target, viewer_person=stranger, viewer_user=stranger_user)["phones"] == [MASKED]


def test_the_chapter_rule_can_be_replaced(world):
    target, viewers = world
    alumnus, user = viewers["alumnus"]
    person_set_privacy(person=target, choices={"company": "chapters"})
    target.refresh_from_db()
    assert "company" not in person_card(target, viewer_person=alumnus, viewer_user=user)
    original = privacy._chapter_rule
    register_chapter_rule(lambda viewer, person: True)  # e.g. the network app: same organization
    try:
        assert person_card(target, viewer_person=alumnus, viewer_user=user)["company"] == "腾讯"
    finally:
        register_chapter_rule(original)


def test_cards_for_a_list_compute_the_viewer_once(world, django_assert_max_num_queries):
    _target, viewers = world
    alumnus, user = viewers["same_college"]
    viewer = viewer_for(viewer_person=alumnus, viewer_user=user)
    from alumni.people.models import Person

    persons = list(Person.objects.prefetch_related("degrees__college", "degrees__major"))
    with django_assert_max_num_queries(0):
        cards = person_cards(persons, viewer=viewer)
    assert len(cards) == len(persons)
