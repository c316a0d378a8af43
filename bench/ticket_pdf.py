"""Ticket PDFs: render 1,000 one-page e-tickets (signed QR, embedded CJK font) one by one.

Creates a school, an event, and N confirmed tickets (rows in bulk), then times
``alumni.events.pdf_tickets.tickets_pdf`` for each ticket separately — what the download view
does per request — and reports the total and the per-ticket median.

    python bench/ticket_pdf.py [--count N]   # or: make bench NAME=ticket_pdf
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import main, median  # noqa: E402

PASSWORD = "Bench-pass-2024"  # noqa: S105 -- a throw-away school in a throw-away database


def body(args: list[str]) -> str:
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from alumni.events.models import Event, EventStatus, Registration, RegistrationStatus, Ticket, TicketType
    from alumni.events.pdf_tickets import cjk_font, tickets_pdf
    from alumni.events.signing import new_keypair
    from alumni.network.selectors import head_association
    from alumni.people.models import Person
    from tenants.services import SchoolAdmin, school_create

    options = argparse.ArgumentParser()
    options.add_argument("--count", type=int, default=1000)
    opts = options.parse_args(args)

    school = school_create(
        name="出票基准大学",
        short_name="出票",
        subdomain="bench-ticket-pdf",
        admin=SchoolAdmin(email="admin@bench-ticket-pdf.edu.cn", password=PASSWORD, name="管理员"),
    )
    with schema_context(school.schema_name):
        connection.tenant = school
        sealed, public = new_keypair()
        start = timezone.now() + timezone.timedelta(days=3)
        event = Event.objects.create(
            organization=head_association(),
            title="阿尔法大学2026年校友返校日暨百年校庆晚宴",
            place="大礼堂二楼宴会厅",
            starts_at=start,
            ends_at=start + timezone.timedelta(hours=4),
            status=EventStatus.PUBLISHED,
            signing_key=sealed,
            verify_key=public,
        )
        ticket_type = TicketType.objects.create(event=event, name="校友票")
        people = Person.objects.bulk_create([Person(name=f"欧阳校友{i:04d}") for i in range(opts.count)])
        registrations = Registration.objects.bulk_create(
            [
                Registration(
                    event=event, person=p, ticket_type=ticket_type, status=RegistrationStatus.CONFIRMED
                )
                for p in people
            ]
        )
        Ticket.objects.bulk_create(
            [Ticket(event=event, registration=r, holder_name=r.person.name) for r in registrations]
        )
        tickets = list(
            Ticket.objects.filter(event=event).select_related("event", "seat", "registration__ticket_type")
        )
        font = cjk_font()
        tickets_pdf(tickets[:1])  # warm-up: font parsing and key unsealing happen once per process
        durations, sizes = [], 0
        started = time.perf_counter()
        for ticket in tickets:
            t0 = time.perf_counter()
            sizes += len(tickets_pdf([ticket]))
            durations.append(time.perf_counter() - t0)
        seconds = time.perf_counter() - started
    print(
        f"[ticket_pdf] {len(tickets)} PDFs in {seconds:.1f}s, median {median(durations) * 1000:.1f} ms, "
        f"average size {sizes / len(tickets) / 1024:.0f} KiB, font {font}",
        flush=True,
    )
    return (
        f"BENCH ticket_pdf count={len(tickets)} seconds={seconds:.1f} "
        f"median_ms={median(durations) * 1000:.1f} avg_kib={sizes / len(tickets) / 1024:.0f} font={font}"
    )


if __name__ == "__main__":
    main("ticket_pdf", body)
