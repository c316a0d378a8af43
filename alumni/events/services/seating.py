"""Seating: generate a plan (rows or tables), reserve seats, assign automatically or by hand.

Automatic assignment seats registrants in registration order and keeps each party (registrant
and guests) in one row or at one table whenever any row or table still has room for all of them.
Moving a seated ticket goes through ticket_change, which bumps the ticket's version so the QR
code printed with the old seat no longer admits.
"""

from __future__ import annotations

from itertools import groupby

from django.db import IntegrityError, transaction

from alumni.core.services import audit_record
from alumni.events.errors import EventNotAllowed, SeatingInvalid, SeatingLocked, SeatTaken
from alumni.events.models import Event, Seat, SeatPlan, Ticket
from alumni.events.selectors.events import can_manage_event
from alumni.events.selectors.seating import tickets_needing_seats
from alumni.events.services.tickets import ticket_change

MAX_SEATS = 20_000


def _require_manager(actor, event: Event) -> None:
    if not can_manage_event(actor, event):
        raise EventNotAllowed()


def _row_seats(sections: list[str], rows: int, seats_per_row: int) -> list[Seat]:
    seats = []
    for section in sections:
        for row in range(1, rows + 1):
            for number in range(1, seats_per_row + 1):
                label = f"{section} {row}排 {number}座".strip()
                seats.append(Seat(section=section, row=str(row), number=number, label=label))
    return seats


def _table_seats(tables: int, seats_per_table: int) -> list[Seat]:
    return [
        Seat(section="", row=str(table), number=number, label=f"{table}号桌 {number}座")
        for table in range(1, tables + 1)
        for number in range(1, seats_per_table + 1)
    ]


def seat_plan_generate(
    *,
    event: Event,
    actor,
    kind: str,
    name: str = "主会场",
    sections: list[str] | None = None,
    rows: int = 0,
    seats_per_row: int = 0,
    tables: int = 0,
    seats_per_table: int = 0,
) -> SeatPlan:
    """Create or regenerate the event's seat plan (only while no ticket holds a seat)."""
    _require_manager(actor, event)
    sections = [s.strip()[:20] for s in (sections or [""]) if s is not None] or [""]
    if len(set(sections)) != len(sections):
        raise SeatingInvalid("区域名称不能重复", field="sections")
    if kind == SeatPlan.Kind.ROWS:
        if not (1 <= rows <= 200 and 1 <= seats_per_row <= 200):
            raise SeatingInvalid("排数和每排座位数应在 1 到 200 之间", field="rows")
        seats = _row_seats(sections, rows, seats_per_row)
    elif kind == SeatPlan.Kind.TABLES:
        if not (1 <= tables <= 2000 and 1 <= seats_per_table <= 30):
            raise SeatingInvalid("桌数应在 1 到 2000 之间，每桌 1 到 30 座", field="tables")
        seats = _table_seats(tables, seats_per_table)
    else:
        raise SeatingInvalid("请选择座位图类型", field="kind")
    if len(seats) > MAX_SEATS:
        raise SeatingInvalid(f"座位总数不能超过 {MAX_SEATS}", field="rows")
    with transaction.atomic():
        plan, _created = SeatPlan.objects.select_for_update().get_or_create(event=event)
        if Ticket.objects.filter(seat__plan=plan).exists():
            raise SeatingLocked()
        before = {"kind": plan.kind, "seats": plan.seats.count()}
        plan.seats.all().delete()
        plan.kind, plan.name = kind, (name or "主会场").strip()[:60]
        plan.save()
        for order, seat in enumerate(seats):
            seat.plan, seat.sort_key = plan, order
        Seat.objects.bulk_create(seats, batch_size=2000)
        audit_record(
            actor=actor,
            action="events.seat_plan_generate",
            target=plan,
            summary=f"生成座位图：{event.title}（{plan.get_kind_display()}，{len(seats)} 座）",
            before=before,
            after={"kind": kind, "seats": len(seats), "sections": sections},
        )
    return plan


def seats_reserve(*, event: Event, actor, seat_ids: list[int], reserved: bool) -> int:
    """Keep seats out of (or give them back to) automatic assignment; returns how many changed."""
    _require_manager(actor, event)
    with transaction.atomic():
        changed = (
            Seat.objects.filter(plan__event=event, pk__in=seat_ids)
            .exclude(is_reserved=reserved)
            .update(is_reserved=reserved)
        )
        if changed:
            audit_record(
                actor=actor,
                action="events.seats_reserve",
                target=event,
                summary=f"{'保留' if reserved else '取消保留'} {changed} 个座位：{event.title}",
                after={"seat_ids": list(seat_ids)[:200], "reserved": reserved},
            )
    return changed


def _free_groups(plan: SeatPlan, section: str | None) -> list[list[int]]:
    seats = Seat.objects.filter(plan=plan, is_reserved=False, ticket__isnull=True)
    if section is not None:
        seats = seats.filter(section=section)
    rows = seats.order_by("sort_key", "id").values_list("pk", "section", "row")
    return [[pk for pk, _s, _r in group] for _key, group in groupby(rows, key=lambda r: (r[1], r[2]))]


def _place(groups: list[list[int]], size: int) -> list[int]:
    """Seats for a party: the first row/table with room for all of them, else the next free seats."""
    for group in groups:
        if len(group) >= size:
            taken, group[:] = group[:size], group[size:]
            return taken
    taken = []
    for group in groups:
        while group and len(taken) < size:
            taken.append(group.pop(0))
    return taken


def seats_auto_assign(
    *, event: Event, actor, ticket_type_id: int | None = None, section: str | None = None
) -> int:
    """Seat every unseated ticket (optionally of one ticket type, into one section); returns how many."""
    _require_manager(actor, event)
    with transaction.atomic():
        plan = SeatPlan.objects.select_for_update().filter(event=event).first()
        if plan is None:
            raise SeatingInvalid("请先生成座位图")
        groups = _free_groups(plan, section)
        tickets = list(tickets_needing_seats(event, ticket_type_id).select_for_update(of=("self",)))
        assigned: list[Ticket] = []
        for _registration, party in groupby(tickets, key=lambda t: t.registration_id):
            party = list(party)
            seats = _place(groups, len(party))
            for ticket, seat_id in zip(party, seats, strict=False):
                ticket.seat_id = seat_id
                assigned.append(ticket)
            groups = [g for g in groups if g]
            if not groups:
                break
        # First assignment: the QR code carries no seat, so tickets keep their version.
        Ticket.objects.bulk_update(assigned, ["seat"], batch_size=1000)
        audit_record(
            actor=actor,
            action="events.seats_auto_assign",
            target=plan,
            summary=f"自动排座：{event.title}，{len(assigned)} 张票已分配座位，{len(tickets) - len(assigned)} 张无座",
            after={"assigned": len(assigned), "unseated": len(tickets) - len(assigned)},
        )
    return len(assigned)


def seat_assign(*, ticket: Ticket, seat: Seat, actor) -> Ticket:
    """Put a ticket in a given seat (moving it if seated); its QR code changes."""
    _require_manager(actor, ticket.event)
    if seat.plan.event_id != ticket.event_id:
        raise SeatingInvalid("该座位不属于本活动")
    if ticket.seat_id == seat.pk:
        return ticket
    try:
        with transaction.atomic():
            holder = Ticket.objects.select_for_update().filter(seat=seat).first()
            if holder is not None:
                raise SeatTaken(f"该座位已分配给 {holder.holder_name}（{holder.code}）")
            return ticket_change(ticket=ticket, seat=seat, actor=actor)
    except IntegrityError as exc:
        # Someone took the seat between our check and the write.
        raise SeatTaken() from exc


def seat_unassign(*, ticket: Ticket, actor) -> Ticket:
    """Free a ticket's seat (its QR code stays valid: the code carries no seat)."""
    _require_manager(actor, ticket.event)
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.seat_id is None:
            return locked
        before = {"seat": locked.seat.label}
        locked.seat = None
        locked.save(update_fields=["seat"])
        audit_record(
            actor=actor,
            action="events.seat_unassign",
            target=locked,
            summary=f"取消座位：{locked.code} {locked.holder_name}（{before['seat']}）",
            before=before,
        )
    return locked
