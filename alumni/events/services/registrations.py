"""Writes of registration: submit, approve/reject, pay, cancel (with refund), the waitlist.

Places. A registration *holds* places (its heads: the registrant plus guests) while it is
``confirmed`` or ``pending_payment``; Event.confirmed_count and TicketType.sold add those heads
up. Every change of a registration's status that can take or give back places happens under
SELECT … FOR UPDATE of the event row, so registrations of one event are serialized there and the
counters never drift; the CHECK constraints on both counters are the database's backstop against
overselling.

Invitation codes take a place within the capacity (first come, like anyone else) and skip the
approval step; they never push the event beyond its capacity.

Paid tickets: the registration waits in ``pending_payment`` with a Payment
(purpose "events.registration") and keeps its places for the payment's lifetime. The
``payment_succeeded`` receiver confirms it; ``events.release_unpaid`` (every 5 minutes) cancels
the ones whose payment expired and gives their places to the waitlist. Money that arrives for a
registration no longer waiting for it is refunded.
"""

from __future__ import annotations

import logging
from io import BytesIO

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alumni.core.custom_forms import form_answers_clean
from alumni.core.errors import ServiceError
from alumni.core.permissions import is_school_admin
from alumni.core.services import audit_record
from alumni.events.errors import (
    AlreadyRegistered,
    Blacklisted,
    CancellationClosed,
    EventFull,
    EventNotAllowed,
    InvitationInvalid,
    RefundFailed,
    RegistrationClosed,
    RegistrationInvalid,
    RegistrationNotVisible,
    RegistrationStateConflict,
)
from alumni.events.models import (
    LIVE_STATUSES,
    Event,
    InvitationCode,
    Registration,
    RegistrationStatus,
    TicketType,
)
from alumni.events.selectors.events import blacklist_entry_for, can_manage_event, event_open_to
from alumni.events.selectors.registrations import (
    HOLDING_STATUSES,
    account_of,
    event_registrations,
    export_rows,
    live_registration,
    unpaid_past_lifetime,
    waitlist,
)
from alumni.events.services.tickets import tickets_issue, tickets_revoke
from alumni.messaging.message import Message
from alumni.messaging.selectors.recipients import recipient_for_person
from alumni.messaging.services.send import message_send
from alumni.network.permissions import person_of
from billing.payments.models import Payment, PaymentState
from billing.payments.selectors import payment_by_reference
from billing.payments.services import payment_cancel, payment_create, payment_expire, refund_create

logger = logging.getLogger(__name__)

PAYMENT_PURPOSE = "events.registration"
S = RegistrationStatus


# --- answers and guests -----------------------------------------------------------------------


def clean_answers(form: list[dict], answers: dict | None) -> dict:
    """Answers to an event's registration form, checked like network join forms."""
    return form_answers_clean(form, answers, error=RegistrationInvalid)


def _clean_guests(event: Event, guests) -> list[dict]:
    guests = list(guests or ())
    if len(guests) > event.guests_allowed:
        raise RegistrationInvalid(
            f"每人最多可带 {event.guests_allowed} 位同行人"
            if event.guests_allowed
            else "本活动不能携带同行人",
            field="guests",
        )
    cleaned = []
    for guest in guests:
        guest = guest if isinstance(guest, dict) else {"name": str(guest)}
        name = str(guest.get("name", "")).strip()[:60]
        if not name:
            raise RegistrationInvalid("请填写同行人姓名", field="guests")
        phone = str(guest.get("phone", "") or "").strip()[:20]
        cleaned.append({"name": name, "phone": phone} if phone else {"name": name})
    return cleaned


# --- places -----------------------------------------------------------------------------------


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _fits(event: Event, tt: TicketType, heads: int) -> bool:
    return (event.capacity is None or event.confirmed_count + heads <= event.capacity) and (
        tt.quota is None or tt.sold + heads <= tt.quota
    )


def _count(event: Event, tt: TicketType, delta: int) -> None:
    event.confirmed_count += delta
    tt.sold += delta
    Event.objects.filter(pk=event.pk).update(confirmed_count=event.confirmed_count)
    TicketType.objects.filter(pk=tt.pk).update(sold=tt.sold)


def _take_place(reg: Registration, event: Event, tt: TicketType) -> None:
    """Hold the registration's places: confirmed (tickets issued) when free, else awaiting payment."""
    _count(event, tt, reg.heads)
    if tt.price > 0:
        reg.status = S.PENDING_PAYMENT
        reg.save(update_fields=["status"])
        _payment_for(reg, event=event, tt=tt)
    else:
        reg.status, reg.confirmed_at = S.CONFIRMED, timezone.now()
        reg.save(update_fields=["status", "confirmed_at"])
        tickets_issue(registration=reg)


def _event_url(event: Event) -> str:
    # The event page shows the registrant's status, pay button and tickets.
    return reverse("events:detail", args=[event.public_id])


def _payment_for(reg: Registration, *, event: Event, tt: TicketType) -> Payment:
    payment = payment_create(
        purpose=PAYMENT_PURPOSE,
        purpose_id=reg.pk,
        subject=f"{event.title} · {tt.name}",
        amount=reg.amount,
        currency=tt.currency,
        idempotency_key=f"{PAYMENT_PURPOSE}:{reg.pk}",
        payer=account_of(reg.person),
        payer_name=reg.person.name,
        metadata={"event": event.public_id, "heads": reg.heads},
        return_url=_event_url(event),
    )
    if reg.payment_reference != payment.reference:
        reg.payment_reference = payment.reference
        Registration.objects.filter(pk=reg.pk).update(payment_reference=payment.reference)
    return payment


def _notify(reg: Registration, event: Event, *, extra: str = "") -> None:
    """Tell the registrant where their registration stands (in-app plus the school's channels)."""
    title = event.title
    texts = {
        S.CONFIRMED: ("报名成功", f"你已成功报名“{title}”，电子票已发放，可在“我的活动”中查看。"),
        S.PENDING_PAYMENT: (
            "请完成支付",
            f"你在“{title}”的名额已保留，请在 30 分钟内完成支付，逾期名额将释放。",
        ),
        S.WAITLISTED: (
            "已进入候补",
            f"“{title}”名额已满，你已进入候补，有名额时将按报名先后自动递补并通知你。",
        ),
        S.PENDING_APPROVAL: ("报名已提交", f"你对“{title}”的报名已提交，主办方审核后会通知你。"),
        S.REJECTED: ("报名未通过", f"你对“{title}”的报名未通过审核。"),
        S.CANCELLED: ("报名已取消", f"你对“{title}”的报名已取消。"),
    }
    subject, text = texts[reg.status]
    url = _event_url(event)
    if reg.status == S.PENDING_PAYMENT and reg.payment_reference:
        url = reverse("payments:pay", args=[reg.payment_reference])
    message_send(
        recipient=recipient_for_person(reg.person),
        message=Message(
            purpose="events", subject=f"{subject}：{title}"[:200], text=text + (extra and f"{extra}"), url=url
        ),
        idempotency_key=f"events.registration:{reg.pk}:{reg.status}",
    )


def _promote(event: Event) -> list[Registration]:
    """Move waitlisted registrations into freed places, first come first (the event is locked);
    a party too big for what is free waits while a smaller one behind it may go in."""
    promoted = []
    types: dict[int, TicketType] = {}
    for reg in waitlist(event).select_related("person"):
        if event.capacity is not None and event.confirmed_count >= event.capacity:
            break
        tt = types.setdefault(reg.ticket_type_id, TicketType.objects.get(pk=reg.ticket_type_id))
        if not _fits(event, tt, reg.heads):
            continue
        _take_place(reg, event, tt)
        _notify(reg, event, extra="（候补递补）")
        promoted.append(reg)
    return promoted


# --- registering ------------------------------------------------------------------------------


def registration_submit(
    *, event: Event, person, ticket_type: TicketType, guests=(), answers=None, invitation_code: str = ""
) -> Registration:
    """Register an alumnus (and guests): confirmed, awaiting payment, awaiting approval or
    waitlisted, depending on the event's rules and the places left."""
    entry = blacklist_entry_for(person)
    if entry is not None:
        raise Blacklisted(f"你暂时不能报名本校活动，原因：{entry.reason}")
    guests = _clean_guests(event, guests)
    answers = clean_answers(event.form or [], answers)
    code = (invitation_code or "").strip().upper()
    with transaction.atomic():
        ev = _lock_event(event)
        if not ev.registration_open():
            raise RegistrationClosed()
        if not event_open_to(person, ev):
            raise RegistrationNotVisible()
        if live_registration(event=ev, person=person) is not None:
            raise AlreadyRegistered()
        invitation = None
        if code:
            invitation = InvitationCode.objects.select_for_update().filter(event=ev, code=code).first()
            if invitation is None or invitation.used >= invitation.max_uses:
                raise InvitationInvalid()
        tt_id = invitation.ticket_type_id if invitation and invitation.ticket_type_id else ticket_type.pk
        tt = TicketType.objects.filter(pk=tt_id, event=ev, is_active=True).first()
        if tt is None:
            raise RegistrationInvalid("该票种不可报名", field="ticket_type")
        reg = Registration(
            event=ev,
            person=person,
            ticket_type=tt,
            guests=guests,
            answers=answers,
            invitation=invitation,
            status=S.PENDING_APPROVAL,
        )
        reg.amount = tt.price * reg.heads
        fits = _fits(ev, tt, reg.heads)
        if invitation is not None and not fits:
            raise EventFull("名额已满，邀请码也无法再占用名额")
        if invitation is None and ev.requires_approval:
            reg.save()
        elif fits:
            reg.save()
            _take_place(reg, ev, tt)
        elif ev.waitlist_enabled:
            reg.status = S.WAITLISTED
            reg.save()
        else:
            raise EventFull()
        if invitation is not None:
            InvitationCode.objects.filter(pk=invitation.pk).update(used=invitation.used + 1)
        _notify(reg, ev)
    return reg


def _lock_registration(registration: Registration) -> tuple[Event, Registration]:
    event = _lock_event(registration.event)
    reg = Registration.objects.select_for_update().select_related("person").get(pk=registration.pk)
    return event, reg


def registration_approve(*, registration: Registration, actor) -> Registration:
    """Admit a registrant awaiting approval: into a place if one is left, else onto the waitlist."""
    if not can_manage_event(actor, registration.event):
        raise EventNotAllowed("你没有审核该活动报名的权限")
    with transaction.atomic():
        event, reg = _lock_registration(registration)
        if reg.status != S.PENDING_APPROVAL:
            raise RegistrationStateConflict(f"该报名当前为“{reg.get_status_display()}”")
        tt = TicketType.objects.get(pk=reg.ticket_type_id)
        if _fits(event, tt, reg.heads):
            _take_place(reg, event, tt)
        elif event.waitlist_enabled:
            reg.status = S.WAITLISTED
            reg.save(update_fields=["status"])
        else:
            raise EventFull("名额已满，无法通过该报名")
        audit_record(
            actor=actor,
            action="events.registration_approve",
            target=reg,
            summary=f"通过{reg.person.name}的报名（{event.title}）",
            after={"status": reg.status},
        )
        _notify(reg, event)
    return reg


def registration_reject(*, registration: Registration, actor, reason: str) -> Registration:
    """Turn down a registration awaiting approval or on the waitlist, with a reason they are told."""
    if not can_manage_event(actor, registration.event):
        raise EventNotAllowed("你没有审核该活动报名的权限")
    reason = (reason or "").strip()[:200]
    if not reason:
        raise RegistrationInvalid("请填写不通过的原因", field="reason")
    with transaction.atomic():
        event, reg = _lock_registration(registration)
        if reg.status not in (S.PENDING_APPROVAL, S.WAITLISTED):
            raise RegistrationStateConflict(f"该报名当前为“{reg.get_status_display()}”，请使用取消报名")
        before = reg.status
        reg.status, reg.reject_reason = S.REJECTED, reason
        reg.save(update_fields=["status", "reject_reason"])
        audit_record(
            actor=actor,
            action="events.registration_reject",
            target=reg,
            summary=f"拒绝{reg.person.name}的报名（{event.title}）：{reason}",
            before={"status": before},
            after={"status": reg.status, "reason": reason},
        )
        _notify(reg, event, extra=f"原因：{reason}")
    return reg


def _cancel_locked(event: Event, reg: Registration, *, reason: str, actor) -> str:
    """Cancel a live registration (event and registration locked): give back its places, revoke its
    tickets, promote the waitlist. Returns the status it had."""
    before = reg.status
    if before in HOLDING_STATUSES:
        _count(event, TicketType.objects.get(pk=reg.ticket_type_id), -reg.heads)
    reg.status, reg.cancel_reason, reg.cancelled_at = S.CANCELLED, reason[:200], timezone.now()
    reg.save(update_fields=["status", "cancel_reason", "cancelled_at"])
    if before == S.CONFIRMED:
        tickets_revoke(registration=reg, reason=reason or "报名已取消", actor=actor)
    _notify(reg, event, extra=f"原因：{reason}" if reason else "")
    _promote(event)
    return before


def registration_cancel(*, registration: Registration, actor, reason: str = "") -> Registration:
    """Cancel a registration: by the registrant until the cancellation deadline, by organizers at
    any time. Paid money is refunded through the payments service."""
    event = registration.event
    manager = can_manage_event(actor, event)
    own = (me := person_of(actor)) is not None and me.pk == registration.person_id
    if not (manager or own):
        raise EventNotAllowed("你不能取消这个报名")
    deadline = event.cancellation_deadline or event.starts_at
    if not manager and timezone.now() >= deadline:
        raise CancellationClosed()
    reason = (reason or "").strip() or ("本人取消" if own and not manager else "主办方取消")
    with transaction.atomic():
        event, reg = _lock_registration(registration)
        if reg.status not in LIVE_STATUSES:
            raise RegistrationStateConflict(f"该报名当前为“{reg.get_status_display()}”")
        before = _cancel_locked(event, reg, reason=reason, actor=actor)
        audit_record(
            actor=actor,
            action="events.registration_cancel",
            target=reg,
            summary=f"取消{reg.person.name}的报名（{event.title}）：{reason}",
            before={"status": before},
            after={"status": reg.status, "reason": reason},
        )
    _settle_payment(reg, actor=actor, reason=f"取消报名：{event.title}")
    return reg


def _settle_payment(reg: Registration, *, actor, reason: str) -> None:
    """After a cancellation: refund what was paid, or close the order that was never paid."""
    if not reg.payment_reference:
        return
    payment = Payment.objects.filter(reference=reg.payment_reference).first()
    if payment is None:
        return
    if payment.is_paid and payment.refundable_amount > 0:
        try:
            refund_create(payment=payment, amount=payment.refundable_amount, reason=reason, actor=actor)
        except ServiceError as exc:
            raise RefundFailed(f"报名已取消，但退款未能完成（{exc.message}），请在支付管理中处理") from exc
    elif payment.state in (PaymentState.CREATED, PaymentState.PENDING):
        try:
            payment_cancel(payment=payment, reason="报名已取消")
        except ServiceError:
            # The order may still be paid at the provider; the payment_succeeded receiver refunds it.
            logger.warning("could not close payment %s of a cancelled registration", payment.reference)


def registration_pay_url(registration: Registration) -> str:
    """The pay page of the registration's Payment (created if it has none yet)."""
    if registration.status != S.PENDING_PAYMENT:
        raise RegistrationStateConflict("该报名无需支付")
    reg = Registration.objects.select_related("event", "ticket_type", "person").get(pk=registration.pk)
    payment = _payment_for(reg, event=reg.event, tt=reg.ticket_type)
    if payment.state == PaymentState.CANCELLED:
        # Expired before the 5-minute task saw it: give the places back now.
        registration_release_unpaid(registration=reg)
        raise RegistrationStateConflict("支付已超时，名额已释放，请重新报名", code="payment_expired")
    if payment.state not in (PaymentState.CREATED, PaymentState.PENDING, PaymentState.FAILED):
        raise RegistrationStateConflict("该报名的支付单已关闭")
    registration.payment_reference = payment.reference
    return reverse("payments:pay", args=[payment.reference])


def waitlist_promote(*, event: Event) -> list[Registration]:
    """Give freed places to the waitlist, first come first; returns who was promoted."""
    with transaction.atomic():
        return _promote(_lock_event(event))


# --- payments ---------------------------------------------------------------------------------


def registration_paid(*, payment: Payment) -> Registration | None:
    """Confirm the registration a succeeded Payment is for (once); refund money that arrives for
    a registration no longer waiting for it. Runs inside the payment's transaction."""
    reg = Registration.objects.select_related("event").filter(pk=int(payment.purpose_id)).first()
    if reg is None:
        return None
    with transaction.atomic():
        event, reg = _lock_registration(reg)
        if reg.status == S.CONFIRMED:
            return reg
        if reg.status == S.PENDING_PAYMENT and reg.payment_reference == payment.reference:
            reg.status, reg.confirmed_at = S.CONFIRMED, timezone.now()
            reg.save(update_fields=["status", "confirmed_at"])
            tickets_issue(registration=reg)
            _notify(reg, event)
            return reg
        reference = payment.reference
        transaction.on_commit(lambda: _refund_orphan(reference), robust=True)
    return reg


def _refund_orphan(reference: str) -> None:
    payment = payment_by_reference(reference)
    if payment.refundable_amount > 0:
        refund_create(
            payment=payment, amount=payment.refundable_amount, reason="报名已取消或支付超时，自动退款"
        )


def registration_refunded(*, payment: Payment, refund) -> Registration | None:
    """Record a refund on the registration; a fully refunded registration that still holds its
    places (refunded from the payments back office) is cancelled and its tickets revoked."""
    reg = Registration.objects.select_related("event").filter(pk=int(payment.purpose_id)).first()
    if reg is None:
        return None
    with transaction.atomic():
        event, reg = _lock_registration(reg)
        full = payment.state == PaymentState.REFUNDED
        if full and reg.status in HOLDING_STATUSES:
            _cancel_locked(event, reg, reason="已全额退款", actor=None)
        audit_record(
            actor=None,
            action="events.registration_refunded",
            target=reg,
            summary=f"{reg.person.name}的报名（{event.title}）退款 {refund.amount / 100:.2f} 元",
            after={"refund": refund.reference, "amount": refund.amount, "status": reg.status},
        )
    return reg


def registration_release_unpaid(*, registration: Registration) -> bool:
    """Cancel a registration whose payment expired unpaid and give its places to the waitlist."""
    payment = Payment.objects.filter(reference=registration.payment_reference).first()
    if payment is not None and payment.state in (PaymentState.CREATED, PaymentState.PENDING):
        # Closes the order at the provider first; if it was paid meanwhile, the receiver confirms.
        payment = payment_expire(payment=payment)
    if payment is not None and (
        payment.is_paid or payment.state in (PaymentState.CREATED, PaymentState.PENDING)
    ):
        return False
    with transaction.atomic():
        event, reg = _lock_registration(registration)
        if reg.status != S.PENDING_PAYMENT:
            return False
        _cancel_locked(event, reg, reason="超时未支付，名额已释放", actor=None)
        audit_record(
            actor=None,
            action="events.registration_expire",
            target=reg,
            summary=f"{reg.person.name}的报名（{event.title}）超时未支付，已取消",
        )
    return True


def registrations_release_unpaid() -> int:
    """Every registration of this school whose payment expired unpaid: released (the 5-minute task)."""
    return sum(registration_release_unpaid(registration=reg) for reg in unpaid_past_lifetime())


# --- back office: notices and export ------------------------------------------------------------


def registrations_notify(
    *, event: Event, actor, subject: str, text: str, key: str, status: str = "", ticket_type: str = ""
) -> int:
    """Send a notice to the event's registrants (all live ones, or filtered by status / ticket
    type) in-app and over the school's channels; once per submission ``key`` and person."""
    if not can_manage_event(actor, event):
        raise EventNotAllowed("你没有通知该活动报名者的权限")
    subject, text = (subject or "").strip()[:200], (text or "").strip()
    if not subject or not text:
        raise RegistrationInvalid("请填写通知标题和内容", field="subject")
    regs = event_registrations(event, status=status, ticket_type=ticket_type)
    if not status:
        regs = regs.filter(status__in=LIVE_STATUSES)
    persons = {reg.person_id: reg.person for reg in regs}
    with transaction.atomic():
        for person in persons.values():
            message_send(
                recipient=recipient_for_person(person),
                message=Message(purpose="events", subject=subject, text=text, url=_event_url(event)),
                idempotency_key=f"events.notify:{event.pk}:{key}:{person.pk}",
            )
        audit_record(
            actor=actor,
            action="events.registrants_notify",
            target=event,
            summary=f"向“{event.title}”的报名者（{len(persons)}人）发送通知：{subject}",
            after={
                "subject": subject,
                "recipients": len(persons),
                "status": status,
                "ticket_type": ticket_type,
            },
        )
    return len(persons)


def _cell(value):
    # A leading = + - @ would make a spreadsheet evaluate what an alumnus typed.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def registrations_export(
    *, event: Event, actor, status: str = "", ticket_type: str = "", q: str = ""
) -> tuple[bytes, int]:
    """The event's registrations as XLSX (phones whole for school admins only), audited."""
    if not can_manage_event(actor, event):
        raise EventNotAllowed("你没有导出该活动报名的权限")
    from openpyxl import Workbook  # a large import, needed only here

    full_phone = is_school_admin(actor)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("报名")
    regs = event_registrations(
        event, status=status, ticket_type=ticket_type, q=q if full_phone or not q.isdigit() else ""
    )
    header, rows = export_rows(regs.iterator(chunk_size=1000), full_phone=full_phone, form=event.form or [])
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = BytesIO()
    book.save(buffer)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="events.registrations_export",
            target=event,
            summary=f"导出“{event.title}”的报名名单（{len(rows)}条）",
            after={"rows": len(rows), "status": status, "phones": "full" if full_phone else "masked"},
        )
    return buffer.getvalue(), len(rows)
