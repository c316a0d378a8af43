"""The alumni side's event lists: browse and search, "my events", my tickets, places left.

Ordering of the browse list: pinned, then recommended, then events of the alumnus's own
organizations and everything below them, then the rest; upcoming events soonest first, past
ones latest first. Keyword search is a case-insensitive substring match on title, summary,
description, tags, place, city and organizer: ILIKE finds 活动 inside 校友会活动报名, which
PostgreSQL's text search does not (a run of Chinese is one lexeme), and a school's events are
few enough that a sequential scan is cheap. Every whitespace-separated term must match.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, Case, Exists, F, Func, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from alumni.core.permissions import is_school_admin
from alumni.events.models import (
    Event,
    EventStatus,
    Favourite,
    Registration,
    RegistrationStatus,
    Ticket,
    TicketType,
)
from alumni.events.selectors.events import events_visible_to
from alumni.network.models import Membership, Organization
from alumni.network.permissions import managed_organizations, person_of

WHEN_CHOICES = ("upcoming", "past", "all")


class _ArrayToString(Func):
    function = "array_to_string"
    template = "%(function)s(%(expressions)s, ' ')"


@dataclass(frozen=True)
class EventFilters:
    q: str = ""
    organization: int | None = None
    organizer: str = ""
    tag: str = ""
    place: str = ""
    when: str = "upcoming"

    @classmethod
    def from_params(cls, params) -> EventFilters:
        org = str(params.get("org", "") or "").strip()
        when = params.get("when", "upcoming")
        return cls(
            q=str(params.get("q", "") or "").strip()[:60],
            organization=int(org) if org.isdigit() else None,
            organizer=str(params.get("organizer", "") or "").strip()[:40],
            tag=str(params.get("tag", "") or "").strip()[:20],
            place=str(params.get("place", "") or "").strip()[:40],
            when=when if when in WHEN_CHOICES else "upcoming",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.organization or self.organizer or self.tag or self.place)


def _own_paths(person) -> list[str]:
    if person is None:
        return []
    return list(
        Membership.objects.filter(person=person, organization__is_active=True).values_list(
            "organization__path", flat=True
        )
    )


def _under_any(paths: list[str]) -> Q:
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(organization__path__startswith=path)
    return condition


def _keyword(term: str) -> Q:
    return (
        Q(title__icontains=term)
        | Q(summary__icontains=term)
        | Q(description__icontains=term)
        | Q(tag_text__icontains=term)
        | Q(place__icontains=term)
        | Q(city__icontains=term)
        | Q(organization__name__icontains=term)
        | Q(organizer_name__icontains=term)
    )


def event_list(user, filters: EventFilters) -> QuerySet[Event]:
    """Published events ``user`` may see, filtered and ordered for the alumni list."""
    qs = events_visible_to(user).filter(status=EventStatus.PUBLISHED)
    qs = qs.annotate(tag_text=_ArrayToString(F("tags")))
    for term in filters.q.split():
        qs = qs.filter(_keyword(term))
    if filters.organization:
        org = Organization.objects.filter(pk=filters.organization).first()
        qs = qs.filter(organization__path__startswith=org.path) if org else qs.none()
    if filters.organizer:
        qs = qs.filter(
            Q(organization__name__icontains=filters.organizer)
            | Q(organizer_name__icontains=filters.organizer)
            | Q(proposed_by__name__icontains=filters.organizer)
        )
    if filters.tag:
        qs = qs.filter(tags__contains=[filters.tag])
    if filters.place:
        qs = qs.filter(Q(place__icontains=filters.place) | Q(city__icontains=filters.place))
    now = timezone.now()
    if filters.when == "upcoming":
        qs = qs.filter(ends_at__gte=now)
    elif filters.when == "past":
        qs = qs.filter(ends_at__lt=now)
    paths = _own_paths(person_of(user))
    qs = qs.annotate(
        is_mine=Case(
            When(_under_any(paths), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        if paths
        else Value(False, output_field=BooleanField())
    )
    time_order = "-starts_at" if filters.when == "past" else "starts_at"
    return qs.order_by("-is_pinned", "-is_recommended", "-is_mine", time_order, "id")


def visible_event(user, public_id: str) -> Event | None:
    """The event with this public id if ``user`` may see it (published, or their own proposal)."""
    return events_visible_to(user).filter(public_id=public_id).first()


def event_tags(user, *, limit: int = 20) -> list[str]:
    """Tags of upcoming visible events, most used first (the list page's tag chips)."""
    counts: dict[str, int] = {}
    upcoming = events_visible_to(user).filter(status=EventStatus.PUBLISHED, ends_at__gte=timezone.now())
    for tags in upcoming.values_list("tags", flat=True):
        for tag in tags or []:
            counts[tag] = counts.get(tag, 0) + 1
    return [tag for tag, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def filter_organizations(user) -> list[Organization]:
    """The list's organization filter: the association's top levels plus the alumnus's own."""
    orgs = Organization.objects.filter(is_active=True, depth__lte=2)
    person = person_of(user)
    if person is not None:
        orgs = orgs | Organization.objects.filter(is_active=True, memberships__person=person)
    return list(orgs.distinct().order_by("path"))


def proposable_organizations(person) -> list[Organization]:
    """Organizations an alumnus may propose an event for: the ones they belong to."""
    if person is None:
        return []
    return list(
        Organization.objects.filter(is_active=True, memberships__person=person).distinct().order_by("path")
    )


# --- places -------------------------------------------------------------------------------------


def event_places_left(event: Event) -> int | None:
    """Heads the event can still take (None: no limit)."""
    if event.capacity is None:
        return None
    return max(event.capacity - event.confirmed_count, 0)


@dataclass(frozen=True)
class TicketTypeRow:
    ticket_type: TicketType
    places_left: int | None  # None: unlimited

    @property
    def sold_out(self) -> bool:
        return self.places_left == 0


def ticket_type_rows(event: Event) -> list[TicketTypeRow]:
    """The event's active ticket types with what is left of each (bounded by the event's capacity)."""
    event_left = event_places_left(event)
    rows = []
    for ticket_type in event.ticket_types.filter(is_active=True):
        left = None if ticket_type.quota is None else max(ticket_type.quota - ticket_type.sold, 0)
        if event_left is not None:
            left = event_left if left is None else min(left, event_left)
        rows.append(TicketTypeRow(ticket_type=ticket_type, places_left=left))
    return rows


# --- my events ----------------------------------------------------------------------------------


def my_registration(event: Event, person) -> Registration | None:
    """The person's registration for the event: the live one, else the latest."""
    if person is None:
        return None
    registrations = Registration.objects.filter(event=event, person=person).select_related("ticket_type")
    live = registrations.exclude(status__in=(RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED))
    return live.first() or registrations.order_by("-created_at", "-id").first()


def is_favourite(event: Event, person) -> bool:
    return person is not None and Favourite.objects.filter(event=event, person=person).exists()


def my_organized(user, person) -> QuerySet[Event]:
    """Events I proposed or created, and events of the organizations I am an officer of.

    A school admin's "organized" tab lists what they created, not every event of the school.
    """
    condition = Q(created_by=user) if user.is_authenticated else Q(pk__in=[])
    if person is not None:
        condition |= Q(proposed_by=person)
    if not is_school_admin(user):
        condition |= Q(organization__in=managed_organizations(user))
    return (
        Event.objects.filter(condition, is_deleted=False)
        .select_related("organization")
        .order_by("-starts_at", "-id")
    )


def my_registrations(person) -> QuerySet[Registration]:
    """Every registration of the person, newest first, with its event (deleted events left out)."""
    return (
        Registration.objects.filter(person=person, event__is_deleted=False)
        .select_related("event", "event__organization", "ticket_type")
        .order_by("-created_at", "-id")
    )


def my_favourites(user, person) -> QuerySet[Event]:
    """Favourite events the person may still see, soonest first."""
    favourite = Favourite.objects.filter(event=OuterRef("pk"), person=person)
    return events_visible_to(user).filter(Exists(favourite)).order_by("starts_at", "id")


def my_tickets(person) -> QuerySet[Ticket]:
    """Tickets of the person's registrations (their own and their guests'), upcoming events first."""
    return (
        Ticket.objects.filter(registration__person=person, event__is_deleted=False)
        .select_related("event", "seat", "registration__ticket_type")
        .order_by("event__starts_at", "registration_id", "is_guest", "id")
    )
