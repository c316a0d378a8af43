"""Reading tickets: the holder's own, their signed QR payload, and who may see a ticket."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet

from alumni.events.models import Event, Ticket
from alumni.events.selectors.events import can_manage_event
from alumni.events.signing import ticket_payload
from alumni.network.permissions import person_of

# A QR code stays valid until a day after the event ends (late leavers re-entering, a dinner after).
VALID_AFTER_END = timedelta(days=1)


def ticket_valid_until(event: Event) -> int:
    return int((event.ends_at + VALID_AFTER_END).timestamp())


def ticket_qr_payload(ticket: Ticket) -> str:
    """The signed string the ticket's QR code carries (the event must have its keys)."""
    event = ticket.event
    return ticket_payload(
        private_sealed=event.signing_key,
        event_public_id=event.public_id,
        ticket_code=ticket.code,
        version=ticket.version,
        valid_until=ticket_valid_until(event),
    )


def ticket_by_code(code: str) -> Ticket | None:
    return (
        Ticket.objects.select_related(
            "event", "event__organization", "registration__person", "registration__ticket_type", "seat"
        )
        .filter(code=(code or "").strip().upper(), event__is_deleted=False)
        .first()
    )


def can_view_ticket(user, ticket: Ticket) -> bool:
    """The registrant (who holds their guests' tickets too) and the event's managers."""
    person = person_of(user)
    if person is not None and ticket.registration.person_id == person.pk:
        return True
    return can_manage_event(user, ticket.event)


def tickets_of_person(person) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(registration__person=person, event__is_deleted=False)
        .select_related("event", "seat", "registration__ticket_type")
        .order_by("-event__starts_at", "is_guest", "id")
    )


def event_tickets(event: Event, *, q: str = "", status: str = "") -> QuerySet[Ticket]:
    qs = Ticket.objects.filter(event=event).select_related(
        "registration__ticket_type", "seat", "checked_in_gate"
    )
    if status in Ticket.Status.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(holder_name__icontains=q) | qs.filter(code__iexact=q.strip())
    return qs.order_by("registration_id", "is_guest", "id")
