"""Reads of business-card exchanges: my pending requests, my cards, the state between two people."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from alumni.people.models import CardExchange, Degree, Person

_DEGREES = Prefetch("degrees", queryset=Degree.objects.select_related("college", "major"))


def cards_received_pending(person: Person) -> QuerySet[CardExchange]:
    """Requests waiting for ``person`` to accept or decline, newest first."""
    return (
        CardExchange.objects.filter(recipient=person, status=CardExchange.Status.PENDING)
        .select_related("requester")
        .prefetch_related(
            Prefetch("requester__degrees", queryset=Degree.objects.select_related("college", "major"))
        )
        .order_by("-created_at")
    )


def cards_sent(person: Person) -> QuerySet[CardExchange]:
    """Requests ``person`` sent that are still pending or were declined."""
    return (
        CardExchange.objects.filter(requester=person)
        .exclude(status=CardExchange.Status.ACCEPTED)
        .select_related("recipient")
        .order_by("-created_at")
    )


def card_partners(person: Person) -> list[Person]:
    """Everyone ``person`` has exchanged cards with, most recent exchange first."""
    rows = (
        CardExchange.objects.filter(
            Q(requester=person) | Q(recipient=person), status=CardExchange.Status.ACCEPTED
        )
        .order_by("-responded_at", "-id")
        .values_list("requester_id", "recipient_id")
    )
    order = [b if a == person.pk else a for a, b in rows]
    found = {
        p.pk: p
        for p in Person.objects.filter(pk__in=order, merged_into__isnull=True).prefetch_related(_DEGREES)
    }
    return [found[pk] for pk in order if pk in found]


def card_between(me: Person | None, other: Person) -> CardExchange | None:
    """The exchange between two people that matters to ``me``: accepted, else one pending, else
    my own declined request (the other's declined one is irrelevant: I may ask them now)."""
    if me is None or me.pk == other.pk:
        return None
    rows = list(
        CardExchange.objects.filter(Q(requester=me, recipient=other) | Q(requester=other, recipient=me))
    )
    for status in (CardExchange.Status.ACCEPTED, CardExchange.Status.PENDING):
        for row in rows:
            if row.status == status:
                return row
    return next((row for row in rows if row.requester_id == me.pk), None)


def card_request_from(*, recipient: Person, requester_public_id: str) -> CardExchange | None:
    """The pending request a given person sent to ``recipient`` (looked up by public id)."""
    return (
        CardExchange.objects.filter(
            recipient=recipient, requester__public_id=requester_public_id, status=CardExchange.Status.PENDING
        )
        .select_related("requester")
        .first()
    )


__all__ = ["card_between", "card_partners", "card_request_from", "cards_received_pending", "cards_sent"]
