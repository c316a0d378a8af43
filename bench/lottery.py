"""Lottery: draw 1,000 winners from 100,000 checked-in tickets, verifiably.

Builds one event with 50,000 confirmed registrations of two heads each (100,000 checked-in
tickets), commits a round (sealed seed, published hash), then measures separately:

- draw_fn_s: the pure draw (alumni.events.draws.draw_winners: sort 100,000 entries, 1,000
  HMAC-driven Fisher–Yates steps), median of 5;
- eligible_s: reading the eligible draw numbers (ticket ids) from the database, median of 5;
- db_write_s: writing the 1,000 winners and the revealed round (seed, digest, frozen list),
  median of 5, each rolled back;
- seconds: the real ``draw_run`` service end to end (lock, read, draw, write, audit), once.

    BENCH lottery eligible=100000 winners=1000 seconds=… draw_fn_s=… eligible_s=… db_write_s=…

    python bench/lottery.py [ELIGIBLE]   # or: make bench NAME=lottery
"""

from __future__ import annotations

import time
from datetime import timedelta

from _harness import main, median

ELIGIBLE = 100_000
WINNERS = 1_000


def populate(event, heads: int) -> None:
    from django.utils import timezone

    from alumni.events.models import Registration, RegistrationStatus, Ticket, TicketType
    from alumni.people.models import Person

    now = timezone.now()
    ticket_type = TicketType.objects.filter(event=event).first()
    registrations = heads // 2
    persons = Person.objects.bulk_create(
        [Person(name=f"校友{i}", verification="verified") for i in range(registrations)], batch_size=5000
    )
    regs = Registration.objects.bulk_create(
        [
            Registration(
                event=event,
                person=person,
                ticket_type=ticket_type,
                status=RegistrationStatus.CONFIRMED,
                guests=[{"name": f"{person.name}的家属"}],
                confirmed_at=now,
            )
            for person in persons
        ],
        batch_size=5000,
    )
    tickets = []
    for reg, person in zip(regs, persons, strict=True):
        tickets.append(Ticket(event=event, registration=reg, holder_name=person.name, checked_in_at=now))
        tickets.append(
            Ticket(
                event=event,
                registration=reg,
                holder_name=f"{person.name}的家属",
                is_guest=True,
                checked_in_at=now,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=5000)


def body(args: list[str]) -> str:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from alumni.events.services.events import event_create
    from alumni.network.selectors import head_association
    from tenants.services import SchoolAdmin, school_create

    heads = int(args[0]) if args else ELIGIBLE
    school = school_create(
        name="基准抽奖大学",
        short_name="抽奖",
        subdomain="bench-lottery",
        admin=SchoolAdmin(email="admin@lottery.edu.cn", password="Bench-pass-2024", name="管理员"),  # noqa: S106
    )
    connection.set_tenant(school)
    admin = get_user_model().objects.get(email="admin@lottery.edu.cn")
    start = timezone.now()
    event = event_create(
        organization=head_association(),
        actor=admin,
        title="返校日晚会",
        place="体育馆",
        starts_at=start,
        ends_at=start + timedelta(hours=4),
    )
    return measure(event, admin, heads)


def measure(event, admin, heads: int) -> str:
    """Populate ``event``, time each part of a draw and the whole ``draw_run``; the BENCH line."""
    from django.db import connection, transaction
    from django.utils import timezone

    from alumni.core.pii import pii_decrypt
    from alumni.events import draws
    from alumni.events.models import Draw, Winner
    from alumni.events.selectors.draws import draw_eligible_entries
    from alumni.events.services.draws import draw_create, draw_run

    started = time.perf_counter()
    populate(event, heads)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.schema_name}.events_ticket")
        cursor.execute(f"ANALYZE {connection.schema_name}.events_registration")
    print(f"  {heads} checked-in tickets in {time.perf_counter() - started:.1f}s", flush=True)

    draw = draw_create(event=event, actor=admin, name="一等奖", prize="纪念品", winners_count=WINNERS)
    seed = pii_decrypt(draw.sealed_seed)

    eligible_t, fn_t, write_t = [], [], []
    for _ in range(5):
        started = time.perf_counter()
        by_entry = draw_eligible_entries(draw)
        eligible_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        winners = draws.draw_winners(seed, by_entry, draw.name, WINNERS)
        fn_t.append(time.perf_counter() - started)
        entries = draws.sorted_entries(by_entry)
        started = time.perf_counter()
        with transaction.atomic():
            Winner.objects.bulk_create(
                [Winner(draw=draw, ticket_id=by_entry[e], rank=r) for r, e in enumerate(winners, 1)]
            )
            Draw.objects.filter(pk=draw.pk).update(
                seed=seed,
                status=Draw.Status.DRAWN,
                eligible_count=len(entries),
                eligible_digest=draws.eligible_digest(entries),
                eligible_entries="\n".join(entries),
                drawn_at=timezone.now(),
            )
            write_t.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    print(
        f"  eligible read {[round(t, 3) for t in eligible_t]} s; draw {[round(t, 3) for t in fn_t]} s; "
        f"write {[round(t, 3) for t in write_t]} s",
        flush=True,
    )

    started = time.perf_counter()
    drawn = draw_run(draw=draw, actor=admin)
    total = time.perf_counter() - started
    stored = [
        str(pk)
        for pk in Winner.objects.filter(draw=drawn).order_by("rank").values_list("ticket_id", flat=True)
    ]
    assert stored == draws.draw_winners(drawn.seed, drawn.eligible_entries.split("\n"), drawn.name, WINNERS)
    assert drawn.eligible_count == heads and len(set(stored)) == WINNERS
    print(f"  draw_run end to end {total:.3f}s; verified {len(stored)} winners from the stored record")
    return (
        f"BENCH lottery eligible={drawn.eligible_count} winners={len(stored)} seconds={total:.3f} "
        f"draw_fn_s={median(fn_t):.3f} eligible_s={median(eligible_t):.3f} db_write_s={median(write_t):.3f}"
    )


if __name__ == "__main__":
    main("lottery", body)
