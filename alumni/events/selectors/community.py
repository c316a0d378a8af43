"""Reads for an event's discussion and photos: what an alumnus sees, what waits for moderation."""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from alumni.core.permissions import is_school_admin
from alumni.events.models import Comment, Event, Moderation, Photo, Registration, RegistrationStatus
from alumni.network.permissions import managed_organizations


def _shown_to(model: type[Model], event: Event, person) -> QuerySet:
    # Others' posts once approved; the author also sees their own pending and rejected ones.
    condition = Q(status=Moderation.APPROVED)
    if person is not None:
        condition |= Q(person=person)
    return model.objects.filter(condition, event=event).select_related("person")


def event_comments(event: Event, person) -> QuerySet[Comment]:
    """The discussion under an event as ``person`` (None: anonymous) sees it, newest first."""
    return _shown_to(Comment, event, person)


def event_photos(event: Event, person) -> QuerySet[Photo]:
    """The event's album as ``person`` (None: anonymous) sees it, newest first."""
    return _shown_to(Photo, event, person)


def pending_by(model: type[Model], *, event: Event, person) -> int:
    return model.objects.filter(event=event, person=person, status=Moderation.PENDING).count()


def is_attendee(person, event: Event) -> bool:
    """A confirmed registration for the event (its tickets were issued)."""
    return (
        person is not None
        and Registration.objects.filter(
            event=event, person=person, status=RegistrationStatus.CONFIRMED
        ).exists()
    )


def moderated_events(user) -> QuerySet[Event]:
    """Events whose discussion and photos ``user`` moderates: all for school admins, else the subtree."""
    events = Event.objects.filter(is_deleted=False)
    if is_school_admin(user):
        return events
    return events.filter(organization__in=managed_organizations(user))


def moderation_queue(model: type[Model], user, *, event: Event | None = None) -> QuerySet:
    """Pending comments or photos ``user`` may decide, oldest first (first come, first reviewed)."""
    items = model.objects.filter(status=Moderation.PENDING, event__in=moderated_events(user))
    if event is not None:
        items = items.filter(event=event)
    return items.select_related("event", "person").order_by("created_at", "id")


def moderation_pending_count(user) -> int:
    """Comments plus photos waiting for ``user``'s decision (two COUNT queries)."""
    return moderation_queue(Comment, user).count() + moderation_queue(Photo, user).count()


def recently_moderated(model: type[Model], user, *, limit: int = 20) -> list:
    return list(
        model.objects.filter(event__in=moderated_events(user))
        .exclude(status=Moderation.PENDING)
        .select_related("event", "person")
        .order_by("-moderated_at", "-id")[:limit]
    )
