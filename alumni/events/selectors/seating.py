"""Reads for seating: the plan, its seat map with who sits where, and who still needs a seat."""

from __future__ import annotations

from collections import OrderedDict

from django.db.models import Count, Q, QuerySet

from alumni.events.models import Event, RegistrationStatus, Seat, SeatPlan, Ticket


def seat_plan_of(event: Event) -> SeatPlan | None:
    return SeatPlan.objects.filter(event=event).first()


def seats_of(plan: SeatPlan) -> QuerySet[Seat]:
    return Seat.objects.filter(plan=plan).order_by("sort_key", "id")


def seat_map(plan: SeatPlan) -> list[dict]:
    """Seats grouped by section and row (or table), in plan order, each with its ticket if taken."""
    groups: OrderedDict[tuple[str, str], dict] = OrderedDict()
    seats = seats_of(plan).select_related("ticket")
    for seat in seats:
        key = (seat.section, seat.row)
        group = groups.get(key)
        if group is None:
            title = f"{seat.row}号桌" if plan.kind == SeatPlan.Kind.TABLES else f"{seat.row}排"
            group = groups[key] = {"section": seat.section, "row": seat.row, "title": title, "seats": []}
        ticket = getattr(seat, "ticket", None)
        group["seats"].append({"seat": seat, "ticket": ticket})
    return list(groups.values())


def seating_counts(plan: SeatPlan) -> dict:
    return Seat.objects.filter(plan=plan).aggregate(
        total=Count("id"),
        reserved=Count("id", filter=Q(is_reserved=True)),
        assigned=Count("id", filter=Q(ticket__isnull=False)),
    )


def tickets_needing_seats(event: Event, ticket_type_id: int | None = None) -> QuerySet[Ticket]:
    """Valid tickets of confirmed registrations without a seat, in registration order, each
    registrant's party together (the registrant first, then the guests)."""
    tickets = Ticket.objects.filter(
        event=event,
        status=Ticket.Status.VALID,
        registration__status=RegistrationStatus.CONFIRMED,
        seat__isnull=True,
    )
    if ticket_type_id:
        tickets = tickets.filter(registration__ticket_type_id=ticket_type_id)
    return tickets.order_by("registration__created_at", "registration_id", "is_guest", "id")


def seat_sections(plan: SeatPlan) -> list[str]:
    return list(Seat.objects.filter(plan=plan).order_by().values_list("section", flat=True).distinct())


def seated_tickets(event: Event) -> QuerySet[Ticket]:
    """Tickets with a seat, in seat order (badges print in this order)."""
    return (
        Ticket.objects.filter(event=event, status=Ticket.Status.VALID, seat__isnull=False)
        .select_related("seat", "registration__person")
        .order_by("seat__sort_key", "id")
    )


def badge_tickets(event: Event, ticket_ids: list[int] | None = None) -> list[Ticket]:
    """Valid tickets to print badges for: seated ones in seat order, then the rest by registration."""
    tickets = (
        Ticket.objects.filter(event=event, status=Ticket.Status.VALID)
        .select_related("event", "seat", "registration__person", "registration__ticket_type")
        .prefetch_related("registration__person__degrees__college")
    )
    if ticket_ids is not None:
        tickets = tickets.filter(pk__in=ticket_ids)
    return sorted(
        tickets,
        key=lambda t: (
            t.seat is None,
            t.seat.sort_key if t.seat else 0,
            t.registration.created_at,
            t.registration_id,
            t.is_guest,
            t.pk,
        ),
    )


def badge_affiliation(ticket: Ticket) -> tuple[str, str]:
    """The two lines under a badge's name: class (入学年份级 学院 班级) and workplace; a guest's
    badge names whose guest they are."""
    person = ticket.registration.person
    if ticket.is_guest:
        return f"{person.name} 的嘉宾", ""
    degrees = list(person.degrees.all())
    cohort = ""
    if degrees:
        degree = degrees[0]
        college = degree.college.name if degree.college_id else degree.college_name_raw
        year = f"{degree.enrollment_year}级" if degree.enrollment_year else ""
        cohort = " ".join(part for part in (year, college, degree.class_name) if part)
    return cohort, person.company
