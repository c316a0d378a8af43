"""Reads for lottery draws: who is eligible for a round, and what each page and API shows."""

from __future__ import annotations

from django.db.models import F, QuerySet

from alumni.events.errors import EventNotVisible, NotFound
from alumni.events.models import Draw, Event, RegistrationStatus, Ticket, Winner
from alumni.events.selectors.events import can_manage_event, events_visible_to


def draws_of_event(event: Event) -> QuerySet[Draw]:
    return Draw.objects.filter(event=event).order_by("sort_order", "id")


def draw_of_event(event: Event, draw_id: int) -> Draw | None:
    return draws_of_event(event).filter(pk=draw_id).first()


def draw_eligible_tickets(draw: Draw) -> QuerySet[Ticket]:
    """Valid tickets of confirmed registrations (checked in, if the round says so), minus the
    winners of the event's earlier rounds when the round excludes them."""
    tickets = Ticket.objects.filter(
        event_id=draw.event_id,
        status=Ticket.Status.VALID,
        registration__status=RegistrationStatus.CONFIRMED,
    )
    if draw.eligibility == Draw.Eligibility.CHECKED_IN:
        tickets = tickets.filter(checked_in_at__isnull=False)
    if draw.exclude_previous_winners:
        earlier = Winner.objects.filter(draw__event_id=draw.event_id, draw__status=Draw.Status.DRAWN)
        tickets = tickets.exclude(pk__in=earlier.exclude(draw_id=draw.pk).values("ticket_id"))
    return tickets


def draw_entry(ticket_id: int) -> str:
    """A ticket's draw number (抽奖号) as the draw and the published list spell it."""
    return str(ticket_id)


def draw_eligible_entries(draw: Draw) -> dict[str, int]:
    """Draw number → ticket id of everyone eligible right now."""
    return {draw_entry(pk): pk for pk in draw_eligible_tickets(draw).values_list("pk", flat=True)}


def draw_eligible_count(draw: Draw) -> int:
    """How many would take part if the round ran now (the frozen count once it has run)."""
    if draw.status == Draw.Status.DRAWN:
        return draw.eligible_count
    return draw_eligible_tickets(draw).count()


def draw_winners_rows(draw: Draw) -> list[dict]:
    """Rank, draw number and holder name of each winner, rank 1 first."""
    rows = (
        Winner.objects.filter(draw=draw)
        .order_by("rank")
        .values("rank", "ticket_id", name=F("ticket__holder_name"))
    )
    return [{"rank": r["rank"], "entry": draw_entry(r["ticket_id"]), "name": r["name"]} for r in rows]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜: enough for a winner to recognise themself on a public page."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def draw_public(draw: Draw) -> dict:
    """What anyone may see of a round: the commitment before, the seed and the results after."""
    data = {
        "id": draw.pk,
        "name": draw.name,
        "prize": draw.prize,
        "winners_count": draw.winners_count,
        "eligibility": draw.eligibility,
        "eligibility_label": str(draw.get_eligibility_display()),
        "exclude_previous_winners": draw.exclude_previous_winners,
        "status": draw.status,
        "seed_hash": draw.seed_hash,
        "seed": None,
        "eligible_count": None,
        "eligible_digest": None,
        "drawn_at": None,
        "winners": [],
    }
    if draw.status == Draw.Status.DRAWN:
        data.update(
            seed=draw.seed,
            eligible_count=draw.eligible_count,
            eligible_digest=draw.eligible_digest,
            drawn_at=draw.drawn_at.isoformat() if draw.drawn_at else None,
            winners=[
                {"rank": row["rank"], "entry": row["entry"], "name": mask_name(row["name"])}
                for row in draw_winners_rows(draw)
            ],
        )
    return data


def draw_screen_names(draw: Draw, limit: int = 200) -> list[str]:
    """Holder names to roll on the big screen before the winners appear (staff only)."""
    if draw.status == Draw.Status.DRAWN:
        return []
    return list(draw_eligible_tickets(draw).order_by("?").values_list("holder_name", flat=True)[:limit])


def my_draw_entries(person, draw: Draw) -> list[dict]:
    """The person's tickets for the draw's event (theirs and their guests'), with draw number,
    whether it took part and its rank if it won: how a holder checks the public list."""
    if person is None:
        return []
    ranks = dict(Winner.objects.filter(draw=draw).values_list("ticket_id", "rank"))
    entries = set(draw.eligible_entries.split("\n")) if draw.status == Draw.Status.DRAWN else set()
    tickets = Ticket.objects.filter(event_id=draw.event_id, registration__person=person).order_by(
        "is_guest", "pk"
    )
    return [
        {
            "holder": holder,
            "entry": draw_entry(pk),
            "took_part": draw_entry(pk) in entries,
            "rank": ranks.get(pk),
        }
        for pk, holder in tickets.values_list("pk", "holder_name")
    ]


def event_for_draws(user, public_id: str) -> Event:
    """The event if the user may see it (managers always may)."""
    event = Event.objects.filter(public_id=public_id, is_deleted=False).select_related("organization").first()
    if event is None:
        raise EventNotVisible()
    if can_manage_event(user, event) or events_visible_to(user).filter(pk=event.pk).exists():
        return event
    raise EventNotVisible()


def draw_for(user, public_id: str, draw_id: int) -> Draw:
    """A round of an event the user may see."""
    draw = draw_of_event(event_for_draws(user, public_id), draw_id)
    if draw is None:
        raise NotFound("未找到该抽奖轮次", code="draw_not_found")
    return draw
