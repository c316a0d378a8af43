"""Reads about registrations: places, live registrations, the back office's lists and export rows."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from alumni.core.pii import mask_phone
from alumni.events.models import LIVE_STATUSES, Event, Registration, RegistrationStatus
from alumni.people.models import AccountLink
from billing.payments.models import Payment

# Registrations holding places (Event.confirmed_count / TicketType.sold count their heads).
HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING_PAYMENT)


def account_of(person):
    """The active account linked to an alumni record (the payer of its registrations), or None."""
    link = AccountLink.objects.filter(person=person, user__is_active=True).select_related("user").first()
    return link.user if link else None


def live_registration(*, event: Event, person) -> Registration | None:
    return Registration.objects.filter(event=event, person=person, status__in=LIVE_STATUSES).first()


def registrations_of(person) -> QuerySet[Registration]:
    return Registration.objects.filter(person=person).select_related("event", "ticket_type")


def event_registrations(
    event: Event, *, status: str = "", ticket_type: str = "", q: str = ""
) -> QuerySet[Registration]:
    """An event's registrations, filtered as in the back office (status, ticket type, name/phone)."""
    qs = Registration.objects.filter(event=event).select_related("person", "ticket_type")
    if status in RegistrationStatus.values:
        qs = qs.filter(status=status)
    if str(ticket_type).isdigit():
        qs = qs.filter(ticket_type_id=int(ticket_type))
    if q:
        qs = qs.filter(Q(person__name__icontains=q) | Q(person__phones__contains=[q]))
    return qs.order_by("created_at", "id")


def held_heads(event: Event) -> int:
    """Heads of registrations holding places, recounted from the rows (the counters' cross-check)."""
    return sum(r.heads for r in Registration.objects.filter(event=event, status__in=HOLDING_STATUSES))


def waitlist(event: Event) -> QuerySet[Registration]:
    """Waitlisted registrations, first come first."""
    return Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED).order_by(
        "created_at", "id"
    )


def registrations_pending_approval(events: QuerySet[Event]) -> QuerySet[Registration]:
    return Registration.objects.filter(event__in=events, status=RegistrationStatus.PENDING_APPROVAL)


def unpaid_past_lifetime() -> QuerySet[Registration]:
    """Registrations awaiting payment whose Payment's lifetime is over (or whose Payment is gone)."""
    expired = Payment.objects.filter(purpose="events.registration", expires_at__lt=timezone.now())
    return Registration.objects.filter(
        status=RegistrationStatus.PENDING_PAYMENT,
        payment_reference__in=expired.values("reference"),
    ).select_related("event")


def status_counts(event: Event) -> dict[str, int]:
    rows = Registration.objects.filter(event=event).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


EXPORT_COLUMNS = ("报名时间", "姓名", "手机", "票种", "人数", "同行人", "状态", "金额（元）", "支付单号")


def export_rows(registrations, *, full_phone: bool, form: list[dict]) -> tuple[list[str], list[list]]:
    """Header and rows of the registrations export; phones masked unless ``full_phone``."""
    header = [*EXPORT_COLUMNS, *(item["label"] for item in form)]
    rows = []
    for reg in registrations:
        phones = reg.person.phones or []
        phone = phones[0] if phones else ""
        guests = "、".join(
            f"{g.get('name', '')}"
            + (f"（{g['phone'] if full_phone else mask_phone(g['phone'])}）" if g.get("phone") else "")
            for g in reg.guests or []
        )
        rows.append(
            [
                timezone.localtime(reg.created_at).strftime("%Y-%m-%d %H:%M"),
                reg.person.name,
                phone if full_phone else mask_phone(phone),
                reg.ticket_type.name,
                reg.heads,
                guests,
                reg.get_status_display(),
                f"{reg.amount / 100:.2f}",
                reg.payment_reference,
                *(str((reg.answers or {}).get(item["key"], "")) for item in form),
            ]
        )
    return header, rows
