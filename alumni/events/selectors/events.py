"""Reads about events: who sees which event, who manages it, and the back office's lists."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from alumni.core.permissions import is_alumnus, is_school_admin
from alumni.events.models import (
    BlacklistEntry,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from alumni.network.models import Membership, Organization
from alumni.network.permissions import can_manage, managed_organizations, person_of
from alumni.people.models import Person


def _member_reach_paths(person) -> set[str]:
    """Paths of every organization whose members-only events the person may see: the ones they
    belong to and all their ancestors (a member of a sub-club is a member of the chapter above)."""
    step = Organization.steplen
    paths: set[str] = set()
    for path in Membership.objects.filter(person=person, organization__is_active=True).values_list(
        "organization__path", flat=True
    ):
        paths.update(path[:end] for end in range(step, len(path) + 1, step))
    return paths


def events_visible_to(user) -> QuerySet[Event]:
    """Published events the user may see (by visibility), plus the user's own proposals."""
    audience = Q(visibility=Visibility.PUBLIC)
    if is_school_admin(user):
        audience = Q()
    elif is_alumnus(user):
        audience |= Q(visibility=Visibility.ALUMNI)
        person = person_of(user)
        if person is not None:
            audience |= Q(visibility=Visibility.MEMBERS, organization__path__in=_member_reach_paths(person))
        managed = managed_organizations(user)
        audience |= Q(organization__in=managed)
    visible = Q(status=EventStatus.PUBLISHED) & audience
    person = person_of(user)
    if person is not None:
        visible |= Q(proposed_by=person)
    return Event.objects.filter(visible, is_deleted=False).select_related("organization")


def event_open_to(person, event: Event) -> bool:
    """Whether the event's visibility admits this alumnus as a registrant."""
    if event.visibility in (Visibility.PUBLIC, Visibility.ALUMNI):
        return True
    return event.organization.path in _member_reach_paths(person)


def can_manage_event(user, event: Event) -> bool:
    """School admins, and officers of the event's organization or any organization above it."""
    if is_school_admin(user):
        return True
    if not is_alumnus(user):
        return False
    return can_manage(user, event.organization)


def events_managed_by(user) -> QuerySet[Event]:
    """Events the user organizes (not deleted): the back office's event list."""
    qs = Event.objects.filter(is_deleted=False).select_related("organization", "proposed_by")
    if is_school_admin(user):
        return qs
    return qs.filter(organization__in=managed_organizations(user))


def events_admin_search(
    qs: QuerySet[Event],
    *,
    q: str = "",
    status: str = "",
    organization: str = "",
    when: str = "",
    pending: str = "",
) -> QuerySet[Event]:
    """Filter the back office's event list by keyword, status, organization and time."""
    if q:
        qs = qs.filter(
            Q(title__icontains=q) | Q(place__icontains=q) | Q(city__icontains=q) | Q(tags__contains=[q])
        )
    if status in EventStatus.values:
        qs = qs.filter(status=status)
    if organization.isdigit():
        org = Organization.objects.filter(pk=int(organization)).first()
        if org is not None:
            qs = qs.filter(organization__path__startswith=org.path)
    if pending:
        waiting = Registration.objects.filter(status=RegistrationStatus.PENDING_APPROVAL)
        qs = qs.filter(pk__in=waiting.values("event_id"))
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(ends_at__gte=now)
    elif when == "past":
        qs = qs.filter(ends_at__lt=now)
    return qs


def proposals_pending(user) -> QuerySet[Event]:
    """Alumni proposals waiting for this user's review."""
    return events_managed_by(user).filter(status=EventStatus.PENDING).order_by("created_at")


def blacklist_entry_for(person):
    """The person's blacklist entry if it is in force now, else None."""
    entry = BlacklistEntry.objects.filter(person=person).first()
    if entry is None or (entry.until is not None and entry.until <= timezone.now()):
        return None
    return entry


def blacklist_entries() -> QuerySet[BlacklistEntry]:
    return BlacklistEntry.objects.select_related("person").order_by("-created_at")


def person_by_phone_or_id(value: str):
    """An alumni record by one of its phone numbers, or by its id."""
    value = (value or "").strip()
    person = Person.objects.filter(phones__contains=[value]).first() if value else None
    if person is None and value.isdigit():
        person = Person.objects.filter(pk=int(value)).first()
    return person
