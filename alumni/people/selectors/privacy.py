"""What one viewer may see of one alumnus: the directory card (``person_card``).

Every field in ``PRIVACY_DEFAULTS`` has a visibility the alumnus chooses (else the default):
everyone / alumni / chapters (同一校友组织) / nobody. The viewer gets a *reach*:

====================================  ===========================================
viewer                                fields visible
====================================  ===========================================
anonymous                             everyone
logged-in account, not verified       everyone
verified alumnus                      everyone, alumni
same chapter (see below)              everyone, alumni, chapters
card-exchange partner (accepted)      everyone, alumni, chapters
school admin (the alumni office)      all fields, ``nobody`` included
the person themself                   all fields
====================================  ===========================================

Name, public id and verification state are always shown (they are what the directory lists).
``nobody`` means nobody but the person and the office — an accepted card exchange does not
open a field the alumnus closed.

Phones: a visible phone is masked (138****5678) — always in lists, and on a card unless the
viewer is the person, a school admin, or an accepted exchange partner (for whom the phone's
visibility must still be everyone / alumni / chapters). A phone the viewer may not see is
absent, not masked (even a masked number leaks the carrier and last digits).

"Chapters": until the network app (organizations) exists, two people share a chapter when both
are verified and share a degree college. ``register_chapter_rule`` lets the network app replace
that rule with organization membership without touching callers.

Fields the viewer may not see are absent from the returned dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q, prefetch_related_objects

from alumni.core.permissions import is_school_admin
from alumni.core.pii import mask_phone
from alumni.people.choices import Verification, Visibility
from alumni.people.models import CardExchange, Person

ALL_LEVELS = frozenset(Visibility.values)
OPEN_TO_ALUMNI = frozenset({Visibility.EVERYONE, Visibility.ALUMNI})
OPEN_TO_CHAPTERS = frozenset({Visibility.EVERYONE, Visibility.ALUMNI, Visibility.CHAPTERS})


def _same_college(viewer: Person, person: Person) -> bool:
    if viewer.verification != Verification.VERIFIED or person.verification != Verification.VERIFIED:
        return False
    mine = {d.college_id for d in viewer.degrees.all() if d.college_id}
    return any(d.college_id in mine for d in person.degrees.all())


same_college = _same_college  # public: the network app's rule keeps it (a college is a chapter)

_chapter_rule: Callable[[Person, Person], bool] = _same_college


def register_chapter_rule(rule: Callable[[Person, Person], bool]) -> None:
    """Replace "share a chapter" (the network app plugs organization membership in here).

    A rule may carry ``rule.prepare(viewer_person)``: viewer_for calls it once per viewer, so a
    rule that needs the database loads what it needs there and each card then costs no query."""
    global _chapter_rule
    _chapter_rule = rule


def shares_chapter(viewer: Person | None, person: Person) -> bool:
    return viewer is not None and viewer.pk != person.pk and _chapter_rule(viewer, person)


def exchange_partner_ids(person: Person | None) -> set[int]:
    """Ids of everyone who has an accepted card exchange with ``person``."""
    if person is None:
        return set()
    rows = CardExchange.objects.filter(
        Q(requester=person) | Q(recipient=person), status=CardExchange.Status.ACCEPTED
    ).values_list("requester_id", "recipient_id")
    return {other for pair in rows for other in pair if other != person.pk}


@dataclass
class Viewer:
    """Who is looking: computed once per request, reused for every card in a list."""

    person: Person | None
    user: object = None
    is_admin: bool = False
    partners: set[int] = field(default_factory=set)

    @property
    def is_verified(self) -> bool:
        return bool(
            self.person is not None
            and self.person.verification == Verification.VERIFIED
            and not self.person.merged_into_id
        )

    def relation(self, person: Person) -> str:
        """self / admin / partner / chapter / alumni / public — the cell of the table above."""
        if self.person is not None and self.person.pk == person.pk:
            return "self"
        if self.is_admin:
            return "admin"
        if self.is_verified and person.pk in self.partners:
            return "partner"
        if self.is_verified and shares_chapter(self.person, person):
            return "chapter"
        if self.is_verified:
            return "alumni"
        return "public"


def viewer_for(*, viewer_person: Person | None, viewer_user) -> Viewer:
    if viewer_person is not None:  # the chapter rule reads the viewer's degrees for every card
        prefetch_related_objects([viewer_person], "degrees")
        getattr(_chapter_rule, "prepare", lambda person: None)(viewer_person)
    return Viewer(
        person=viewer_person,
        user=viewer_user,
        is_admin=is_school_admin(viewer_user),
        partners=exchange_partner_ids(viewer_person),
    )


_REACH = {
    "self": ALL_LEVELS,
    "admin": ALL_LEVELS,
    "partner": OPEN_TO_CHAPTERS,
    "chapter": OPEN_TO_CHAPTERS,
    "alumni": OPEN_TO_ALUMNI,
    "public": frozenset({Visibility.EVERYONE}),
}


def _degrees(person: Person) -> list[dict]:
    return [
        {
            "level": d.level,
            "level_label": d.get_level_display(),
            "college": d.college.name if d.college else d.college_name_raw,
            "major": d.major.name if d.major else d.major_name,
            "class_name": d.class_name,
            "enrollment_year": d.enrollment_year,
            "graduation_year": d.graduation_year,
        }
        for d in person.degrees.all()
    ]


def person_card(
    person: Person,
    *,
    viewer_person: Person | None,
    viewer_user,
    in_list: bool = False,
    viewer: Viewer | None = None,
) -> dict:
    """The fields of ``person`` this viewer may see (see the module docstring for the rules).

    Pass ``viewer`` (from ``viewer_for``) when rendering many cards, to compute it once.
    """
    viewer = viewer or viewer_for(viewer_person=viewer_person, viewer_user=viewer_user)
    relation = viewer.relation(person)
    reach = _REACH[relation]

    def visible(name: str) -> bool:
        return person.visibility_of(name) in reach

    card: dict = {
        "public_id": person.public_id,
        "name": person.name,
        "is_verified": person.verification == Verification.VERIFIED,
        "relation": relation,
    }
    if visible("company"):
        card["company"] = person.company
    if visible("title"):
        card["title"] = person.title
    if visible("city"):
        card["province"] = person.province
        card["city"] = person.city
    if visible("industry"):
        card["industry"] = person.industry
    if visible("photo"):
        card["photo_url"] = person.photo.url if person.photo else ""
    if visible("degrees"):
        card["degrees"] = _degrees(person)
    if visible("birth_date"):
        card["birth_date"] = person.birth_date.isoformat() if person.birth_date else None
    if visible("email"):
        card["emails"] = list(person.emails)
    if visible("wechat_id"):
        card["wechat_id"] = person.wechat_id
    if visible("phone"):
        whole = not in_list and relation in ("self", "admin", "partner")
        card["phones"] = [phone if whole else mask_phone(phone) for phone in person.phones]
        card["phones_masked"] = not whole
    return card


def person_cards(persons: Iterable[Person], *, viewer: Viewer, in_list: bool = True) -> list[dict]:
    """Cards for a list (phones masked); prefetch ``degrees__college`` on ``persons``."""
    return [
        person_card(p, viewer_person=viewer.person, viewer_user=viewer.user, in_list=in_list, viewer=viewer)
        for p in persons
    ]


__all__ = [
    "Viewer",
    "exchange_partner_ids",
    "person_card",
    "person_cards",
    "register_chapter_rule",
    "shares_chapter",
    "viewer_for",
]
