"""Reading check-in state: live counts per gate, the offline bundle, scan log and conflicts."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from alumni.events.models import Event, Gate, Scan, ScanResult, Ticket
from alumni.events.selectors.events import can_manage_event


def can_check_in(user, event: Event) -> bool:
    """Scanner staff: whoever may manage the event (school admins, officers of its organization)."""
    return can_manage_event(user, event)


def checkin_event(public_id: str) -> Event | None:
    return Event.objects.select_related("organization").filter(public_id=public_id, is_deleted=False).first()


def event_gates(event: Event) -> list[Gate]:
    return list(event.gates.prefetch_related("ticket_types").order_by("sort_order", "id"))


def checkin_counts(event: Event) -> dict:
    """Checked in / expected, overall and per gate (a gate expects the ticket types it admits)."""
    valid = Ticket.objects.filter(event=event, status=Ticket.Status.VALID)
    totals = valid.aggregate(total=Count("id"), checked_in=Count("id", filter=Q(checked_in_at__isnull=False)))
    by_type = dict(
        valid.values_list("registration__ticket_type")
        .annotate(n=Count("id"))
        .values_list("registration__ticket_type", "n")
    )
    by_gate = dict(
        valid.filter(checked_in_at__isnull=False)
        .values_list("checked_in_gate")
        .annotate(n=Count("id"))
        .values_list("checked_in_gate", "n")
    )
    gates = []
    for gate in event_gates(event):
        type_ids = [t.pk for t in gate.ticket_types.all()]
        expected = sum(by_type.get(pk, 0) for pk in type_ids) if type_ids else totals["total"]
        gates.append(
            {"id": gate.pk, "name": gate.name, "checked_in": by_gate.get(gate.pk, 0), "expected": expected}
        )
    conflicts = Scan.objects.filter(event=event, result=ScanResult.CONFLICT).count()
    return {
        "checked_in": totals["checked_in"],
        "total": totals["total"],
        "gates": gates,
        "conflicts": conflicts,
        "at": timezone.now().isoformat(timespec="seconds"),
    }


def offline_bundle(event: Event) -> dict:
    """What a scanner needs to admit without a network: key, current versions, revocations, names."""
    tickets = (
        Ticket.objects.filter(event=event)
        .select_related("registration__ticket_type", "seat")
        .order_by("id")
        .values_list(
            "code",
            "version",
            "status",
            "holder_name",
            "registration__ticket_type_id",
            "registration__ticket_type__name",
            "seat__label",
            "checked_in_at",
        )
    )
    valid, revoked = [], []
    for code, version, status, name, type_id, type_name, seat, checked_in_at in tickets:
        if status != Ticket.Status.VALID:
            revoked.append(code)
            continue
        valid.append(
            {
                "code": code,
                "version": version,
                "name": name,
                "type_id": type_id,
                "type": type_name,
                "seat": seat or "",
                "checked_in": checked_in_at.isoformat(timespec="seconds") if checked_in_at else "",
            }
        )
    return {
        "event": event.public_id,
        "title": event.title,
        "public_key": event.verify_key,
        "gates": [
            {"id": g.pk, "name": g.name, "ticket_types": [t.pk for t in g.ticket_types.all()]}
            for g in event_gates(event)
        ],
        # Any QR whose version is below a code's current version is revoked; codes listed in
        # ``revoked`` are revoked at every version (cancelled registration, revoked ticket).
        "tickets": valid,
        "revoked": revoked,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
    }


def scan_log(event: Event, *, result: str = "") -> QuerySet[Scan]:
    qs = Scan.objects.filter(event=event).select_related("gate", "ticket", "staff")
    if result in ScanResult.values:
        qs = qs.filter(result=result)
    return qs.order_by("-scanned_at", "-id")


def checkin_conflicts(event: Event) -> QuerySet[Scan]:
    """Second admissions found when offline scans came in, with the ticket's first admission."""
    return (
        Scan.objects.filter(event=event, result=ScanResult.CONFLICT)
        .select_related("gate", "ticket", "ticket__checked_in_gate", "staff")
        .order_by("-scanned_at")
    )
