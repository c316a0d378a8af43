"""E-tickets: issue one per head of a confirmed registration, revoke, change (which re-signs).

A ticket's QR code is signed over (event, code, version, valid until), so changing the seat or
the holder bumps ``version``: every QR printed or saved before that stops admitting, online (the
check-in write matches the version) and offline (the bundle carries each code's current version).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.events.errors import RegistrationStateConflict, TicketRevoked
from alumni.events.models import Event, Registration, RegistrationStatus, Seat, Ticket
from alumni.events.signing import new_keypair


def event_keys_ensure(*, event: Event) -> Event:
    """Give an event its Ed25519 key pair if it has none yet (first writer wins, never replaced)."""
    if event.signing_key and event.verify_key:
        return event
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if not (locked.signing_key and locked.verify_key):
            locked.signing_key, locked.verify_key = new_keypair()
            Event.objects.filter(pk=locked.pk).update(
                signing_key=locked.signing_key, verify_key=locked.verify_key
            )
    event.signing_key, event.verify_key = locked.signing_key, locked.verify_key
    return event


def tickets_issue(*, registration: Registration) -> list[Ticket]:
    """One ticket per head (registrant, then each guest); calling again returns the same tickets."""
    event_keys_ensure(event=registration.event)
    with transaction.atomic():
        locked = Registration.objects.select_for_update().select_related("person").get(pk=registration.pk)
        if locked.status != RegistrationStatus.CONFIRMED:
            raise RegistrationStateConflict("报名尚未确认，不能出票")
        existing = list(locked.tickets.filter(status=Ticket.Status.VALID).order_by("is_guest", "id"))
        if existing:
            return existing
        heads = [(locked.person.name, False)]
        heads += [
            ((guest or {}).get("name") or f"{locked.person.name}的同行人", True) for guest in locked.guests
        ]
        return [
            Ticket.objects.create(
                event_id=locked.event_id, registration=locked, holder_name=name[:60], is_guest=is_guest
            )
            for name, is_guest in heads
        ]


def tickets_revoke(*, registration: Registration, reason: str, actor=None) -> int:
    """Revoke every valid ticket of a registration (cancelled, refunded, rejected); returns how many."""
    with transaction.atomic():
        revoked = Ticket.objects.filter(registration=registration, status=Ticket.Status.VALID).update(
            status=Ticket.Status.REVOKED, revoked_at=timezone.now(), seat=None
        )
        if revoked:
            audit_record(
                actor=actor,
                action="events.tickets_revoke",
                target=registration,
                summary=f"作废电子票 {revoked} 张：{reason}"[:255],
            )
    return revoked


def ticket_revoke(*, ticket: Ticket, actor, reason: str = "") -> Ticket:
    """Revoke one ticket from the back office (a lost phone, a guest who will not come)."""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Ticket.Status.REVOKED:
            return locked
        locked.status, locked.revoked_at = Ticket.Status.REVOKED, timezone.now()
        locked.save(update_fields=["status", "revoked_at"])
        audit_record(
            actor=actor,
            action="events.ticket_revoke",
            target=locked,
            summary=f"作废电子票 {locked.code}：{reason}"[:255],
            before={"status": Ticket.Status.VALID},
            after={"status": Ticket.Status.REVOKED},
        )
    return locked


def ticket_reissue(*, ticket: Ticket, actor) -> Ticket:
    """A fresh QR for a ticket (old screenshots stop working); revives a revoked one if still confirmed."""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().select_related("registration").get(pk=ticket.pk)
        if locked.registration.status != RegistrationStatus.CONFIRMED:
            raise TicketRevoked("报名已取消或未确认，不能重新出票")
        before = {"status": locked.status, "version": locked.version}
        Ticket.objects.filter(pk=locked.pk).update(
            version=F("version") + 1, status=Ticket.Status.VALID, revoked_at=None
        )
        locked.refresh_from_db()
        audit_record(
            actor=actor,
            action="events.ticket_reissue",
            target=locked,
            summary=f"重新出票 {locked.code}（版本 {locked.version}）",
            before=before,
            after={"status": locked.status, "version": locked.version},
        )
    return locked


def ticket_change(
    *, ticket: Ticket, holder_name: str | None = None, seat: Seat | None = None, actor=None
) -> Ticket:
    """Change the holder or the seat; bumps the version so the old QR code no longer admits."""
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status != Ticket.Status.VALID:
            raise TicketRevoked()
        before = {"holder_name": locked.holder_name, "seat": locked.seat_id, "version": locked.version}
        if holder_name is not None:
            locked.holder_name = holder_name.strip()[:60] or locked.holder_name
        if seat is not None:
            locked.seat = seat
        locked.version += 1
        locked.save(update_fields=["holder_name", "seat", "version"])
        if actor is not None:
            audit_record(
                actor=actor,
                action="events.ticket_change",
                target=locked,
                summary=f"修改电子票 {locked.code}",
                before=before,
                after={"holder_name": locked.holder_name, "seat": locked.seat_id, "version": locked.version},
            )
    return locked
