"""Shared helpers of the events tests (other areas may append helpers at the end only).

``etree`` is the network tests' tree in school alpha (head association; chapter A with clubs A1,
A2; chapter B; a school admin, president/admin/member of A, an outsider) plus an alumnus who
registers. ``make_event`` creates and publishes an event through the services.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alumni.events.models import Event, TicketType
from alumni.events.services.events import event_create, event_publish
from billing.payments.models import Payment, Provider
from billing.payments.providers.base import PayerContext
from billing.payments.services import payment_start, sandbox_settle
from tests.alumni.network.support import Tree, build_tree, make_person
from tests.conftest import inside

__all__ = ["Tree", "etree", "event_fields", "make_event", "make_person", "pay", "ticket"]


def event_fields(**overrides) -> dict:
    start = timezone.now() + timedelta(days=7)
    fields = {
        "title": "计算机学院返校日",
        "starts_at": start,
        "ends_at": start + timedelta(hours=4),
        "place": "大礼堂",
        "city": "北京",
    }
    fields.update(overrides)
    return fields


def make_event(organization, actor=None, *, publish: bool = True, ticket_types=None, **overrides) -> Event:
    """An event of ``organization`` created (and published) by ``actor`` (the school admin)."""
    from django.contrib.auth import get_user_model

    actor = actor or get_user_model().objects.filter(is_superuser=True).first()
    event = event_create(
        organization=organization, actor=actor, ticket_types=ticket_types, **event_fields(**overrides)
    )
    if publish:
        event = event_publish(event=event, actor=actor)
    return Event.objects.get(pk=event.pk)


def ticket(event: Event, name: str | None = None) -> TicketType:
    qs = TicketType.objects.filter(event=event)
    return qs.get(name=name) if name else qs.order_by("sort_order", "id").first()


def pay(registration) -> Payment:
    """Pay a registration's Payment through the sandbox provider (the real webhook path)."""
    payment = Payment.objects.get(reference=registration.payment_reference)
    payment = payment_start(payment=payment, provider=Provider.SANDBOX, payer=PayerContext(channel="sandbox"))
    assert sandbox_settle(payment=payment, outcome="succeeded") == "credited"
    return Payment.objects.get(pk=payment.pk)


@pytest.fixture
def etree(school_a):
    with inside(school_a):
        tree = build_tree()
        tree.persons["alumnus"], tree.users["alumnus"] = make_person("registrant")
        yield tree


# --- E3 (seating, badges, draws) ------------------------------------------------------------


def confirmed_party(
    event: Event,
    name: str = "来宾",
    *,
    guests: int = 0,
    checked_in: bool = False,
    type_name=None,
    person=None,
):
    """A confirmed registration (straight in the database) and its tickets issued by tickets_issue."""
    from alumni.events.models import Registration, RegistrationStatus, Ticket
    from alumni.events.services.tickets import tickets_issue

    if person is None:
        person, _ = make_person(name, user=False)
    registration = Registration.objects.create(
        event=event,
        person=person,
        ticket_type=ticket(event, type_name),
        status=RegistrationStatus.CONFIRMED,
        guests=[{"name": f"{person.name}的家属{i + 1}"} for i in range(guests)],
        confirmed_at=timezone.now(),
    )
    issued = tickets_issue(registration=registration)
    if checked_in:
        Ticket.objects.filter(pk__in=[t.pk for t in issued]).update(checked_in_at=timezone.now())
    return registration, [Ticket.objects.get(pk=t.pk) for t in issued]


# --- E2 (tickets, check-in) -------------------------------------------------------------------


def seat_for(event: Event, label: str = "A区 3排 12座"):
    """A seat of the event's plan (created on first use) for ticket_change(seat=…)."""
    from alumni.events.models import Seat, SeatPlan

    plan, _ = SeatPlan.objects.get_or_create(event=event)
    row, number = f"{Seat.objects.filter(plan=plan).count() + 1}", 1
    return Seat.objects.create(plan=plan, section="A", row=row, number=number, label=label)


def scanner_header(user, event: Event) -> dict:
    """The Authorization header the scanner page uses (a scanner token for this user and event)."""
    from django.db import connection

    from alumni.events.signing import scanner_token

    token = scanner_token(user_id=user.pk, event_id=event.pk, schema=connection.schema_name)
    return {"HTTP_AUTHORIZATION": f"Scanner {token}"}
