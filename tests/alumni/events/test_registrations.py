"""Registration rules: window, visibility, blacklist, one per person, guests, form answers,
capacity and quota in heads, waitlist and promotion, approval, invitation codes, payment,
cancellation with refund, release of unpaid places."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alumni.events.errors import (
    AlreadyRegistered,
    Blacklisted,
    CancellationClosed,
    EventFull,
    EventNotAllowed,
    InvitationInvalid,
    RegistrationClosed,
    RegistrationInvalid,
    RegistrationNotVisible,
    RegistrationStateConflict,
)
from alumni.events.models import Event, Registration, RegistrationStatus, Ticket, TicketType, Visibility
from alumni.events.selectors.registrations import held_heads
from alumni.events.services.events import blacklist_add, invitation_codes_create
from alumni.events.services.registrations import (
    registration_approve,
    registration_cancel,
    registration_pay_url,
    registration_reject,
    registration_submit,
    registrations_release_unpaid,
)
from alumni.messaging.models import MessageLog
from alumni.network.models import Membership
from billing.payments.models import Payment, PaymentState, Refund
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import make_event, make_person, pay, ticket
from tests.conftest import inside

S = RegistrationStatus
pytestmark = pytest.mark.django_db


def submit(event, person, **kwargs):
    return registration_submit(
        event=event, person=person, ticket_type=kwargs.pop("tt", None) or ticket(event), **kwargs
    )


def counts(event) -> tuple[int, int]:
    event = Event.objects.get(pk=event.pk)
    return event.confirmed_count, held_heads(event)


def test_free_registration_is_confirmed_with_one_ticket_per_head_and_a_notice(etree):
    event = make_event(etree.a, guests_allowed=2)
    reg = submit(
        event,
        etree.persons["alumnus"],
        guests=[{"name": "家属甲"}, {"name": "家属乙", "phone": "13800000001"}],
    )
    assert reg.status == S.CONFIRMED
    assert sorted(Ticket.objects.filter(registration=reg).values_list("holder_name", flat=True)) == sorted(
        [etree.persons["alumnus"].name, "家属甲", "家属乙"]
    )
    assert counts(event) == (3, 3)
    assert TicketType.objects.get(pk=ticket(event).pk).sold == 3
    notice = MessageLog.objects.get(person_id=etree.persons["alumnus"].pk, channel="inapp", purpose="events")
    assert "报名成功" in notice.subject


def test_one_live_registration_per_person(etree):
    event = make_event(etree.a)
    submit(event, etree.persons["alumnus"])
    with pytest.raises(AlreadyRegistered):
        submit(event, etree.persons["alumnus"])


def test_registration_window_and_drafts(etree):
    now = timezone.now()
    later = make_event(etree.a, registration_opens_at=now + timedelta(days=1))
    closed = make_event(
        etree.a, registration_opens_at=now - timedelta(days=2), registration_closes_at=now - timedelta(days=1)
    )
    draft = make_event(etree.a, publish=False)
    for event in (later, closed, draft):
        with pytest.raises(RegistrationClosed):
            submit(event, etree.persons["alumnus"])


def test_members_only_event_admits_members_of_the_subtree_only(etree):
    event = make_event(etree.a, visibility=Visibility.MEMBERS)
    with pytest.raises(RegistrationNotVisible):
        submit(event, etree.persons["outsider"])
    club_member, _ = make_person("club")
    Membership.objects.create(person=club_member, organization=etree.a1)
    assert submit(event, club_member).status == S.CONFIRMED
    assert submit(event, etree.persons["member_a"]).status == S.CONFIRMED


def test_blacklisted_alumnus_is_told_the_reason(etree):
    event = make_event(etree.a)
    blacklist_add(person=etree.persons["alumnus"], actor=etree.users["school_admin"], reason="多次报名未到场")
    with pytest.raises(Blacklisted, match="多次报名未到场"):
        submit(event, etree.persons["alumnus"])
    with pytest.raises(EventNotAllowed):
        blacklist_add(person=etree.persons["outsider"], actor=etree.users["admin_a"], reason="x")


def test_guests_and_form_answers_are_validated(etree):
    form = [
        {"key": "size", "label": "T恤尺码", "type": "choice", "options": ["M", "L"], "required": True},
        {"key": "year", "label": "入学年份", "type": "number"},
    ]
    event = make_event(etree.a, guests_allowed=1, form=form)
    person = etree.persons["alumnus"]
    with pytest.raises(RegistrationInvalid, match="最多可带 1 位"):
        submit(event, person, guests=[{"name": "甲"}, {"name": "乙"}], answers={"size": "M"})
    with pytest.raises(RegistrationInvalid, match="T恤尺码"):
        submit(event, person, answers={})
    with pytest.raises(RegistrationInvalid, match="请从选项中选择"):
        submit(event, person, answers={"size": "XXL"})
    with pytest.raises(RegistrationInvalid, match="请填写数字"):
        submit(event, person, answers={"size": "L", "year": "两千"})
    reg = submit(event, person, answers={"size": "L", "year": "2004", "other": "ignored"})
    assert reg.answers == {"size": "L", "year": "2004"}


def test_capacity_counts_heads_then_waitlist_then_promotion_on_cancel(etree):
    event = make_event(etree.a, capacity=3, guests_allowed=2)
    first = submit(event, etree.persons["alumnus"], guests=[{"name": "甲"}])  # 2 heads
    big = submit(event, etree.persons["member_a"], guests=[{"name": "乙"}])  # 2 heads: 4 > 3
    single = submit(event, etree.persons["outsider"])  # 1 head: fits
    assert (first.status, big.status, single.status) == (S.CONFIRMED, S.WAITLISTED, S.CONFIRMED)
    assert counts(event) == (3, 3)
    registration_cancel(registration=first, actor=etree.users["alumnus"])
    big.refresh_from_db()
    assert big.status == S.CONFIRMED
    assert counts(event) == (3, 3)
    assert Ticket.objects.filter(registration=first, status=Ticket.Status.REVOKED).count() == 2
    assert MessageLog.objects.filter(
        person_id=big.person_id, subject__contains="报名成功", body__contains="候补"
    ).exists()


def test_ticket_type_quota_and_no_waitlist_refuses(etree):
    event = make_event(
        etree.a, waitlist_enabled=False, ticket_types=[{"name": "嘉宾票", "quota": 1}, {"name": "普通票"}]
    )
    submit(event, etree.persons["alumnus"], tt=ticket(event, "嘉宾票"))
    with pytest.raises(EventFull):
        submit(event, etree.persons["member_a"], tt=ticket(event, "嘉宾票"))
    assert submit(event, etree.persons["member_a"], tt=ticket(event, "普通票")).status == S.CONFIRMED


def test_approval_required_then_approve_and_reject_with_reason(etree):
    event = make_event(etree.a, requires_approval=True, capacity=1)
    first = submit(event, etree.persons["alumnus"])
    second = submit(event, etree.persons["outsider"])
    assert first.status == second.status == S.PENDING_APPROVAL
    assert counts(event) == (0, 0)
    with pytest.raises(EventNotAllowed):
        registration_approve(registration=first, actor=etree.users["member_a"])
    assert registration_approve(registration=first, actor=etree.users["admin_a"]).status == S.CONFIRMED
    assert registration_approve(registration=second, actor=etree.users["admin_a"]).status == S.WAITLISTED
    rejected = registration_reject(registration=second, actor=etree.users["admin_a"], reason="名额有限")
    assert rejected.status == S.REJECTED and rejected.reject_reason == "名额有限"
    assert MessageLog.objects.filter(person_id=second.person_id, body__contains="名额有限").exists()
    with pytest.raises(RegistrationStateConflict):
        registration_approve(registration=first, actor=etree.users["admin_a"])


def test_invitation_code_skips_approval_within_capacity_and_is_single_use(etree):
    event = make_event(etree.a, requires_approval=True, capacity=1)
    (code,) = invitation_codes_create(event=event, actor=etree.users["admin_a"], note="校董")
    reg = submit(event, etree.persons["alumnus"], invitation_code=code.code.lower())
    assert reg.status == S.CONFIRMED and reg.invitation_id == code.pk
    with pytest.raises(InvitationInvalid):
        submit(event, etree.persons["outsider"], invitation_code=code.code)
    (spare,) = invitation_codes_create(event=event, actor=etree.users["admin_a"])
    with pytest.raises(EventFull):  # a code takes a place within capacity, never beyond
        submit(event, etree.persons["member_a"], invitation_code=spare.code)


def test_paid_ticket_holds_the_place_until_paid_then_confirms_once(etree):
    event = make_event(
        etree.a, capacity=2, guests_allowed=1, ticket_types=[{"name": "晚宴票", "price": 20000}]
    )
    reg = submit(event, etree.persons["alumnus"], guests=[{"name": "家属"}])
    assert reg.status == S.PENDING_PAYMENT and reg.amount == 40000
    assert counts(event) == (2, 2)
    assert submit(event, etree.persons["outsider"]).status == S.WAITLISTED
    url = registration_pay_url(reg)
    payment = Payment.objects.get(reference=reg.payment_reference)
    assert url == f"/pay/{payment.reference}/"
    assert (payment.purpose, payment.purpose_id, payment.amount) == (
        "events.registration",
        str(reg.pk),
        40000,
    )
    assert payment.payer == etree.users["alumnus"]
    assert Ticket.objects.filter(registration=reg).count() == 0
    pay(reg)
    reg.refresh_from_db()
    assert reg.status == S.CONFIRMED
    assert Ticket.objects.filter(registration=reg).count() == 2
    with pytest.raises(RegistrationStateConflict):
        registration_pay_url(reg)


def test_cancel_paid_registration_refunds_and_promotes_waitlist_to_pending_payment(etree):
    event = make_event(etree.a, capacity=1, ticket_types=[{"name": "晚宴票", "price": 5000}])
    reg = submit(event, etree.persons["alumnus"])
    pay(reg)
    waiting = submit(event, etree.persons["outsider"])
    assert waiting.status == S.WAITLISTED
    registration_cancel(registration=reg, actor=etree.users["alumnus"], reason="临时有事")
    refund = Refund.objects.get(payment__reference=reg.payment_reference)
    assert refund.amount == 5000 and refund.state == Refund.State.SUCCEEDED
    waiting.refresh_from_db()
    assert waiting.status == S.PENDING_PAYMENT and waiting.payment_reference
    assert MessageLog.objects.filter(person_id=waiting.person_id, subject__contains="请完成支付").exists()
    assert counts(event) == (1, 1)


def test_alumnus_cannot_cancel_after_deadline_but_organizer_can(etree):
    event = make_event(etree.a, cancellation_deadline=timezone.now() + timedelta(days=1))
    reg = submit(event, etree.persons["alumnus"])
    Event.objects.filter(pk=event.pk).update(cancellation_deadline=timezone.now() - timedelta(minutes=1))
    reg = Registration.objects.get(pk=reg.pk)
    with pytest.raises(CancellationClosed):
        registration_cancel(registration=reg, actor=etree.users["alumnus"])
    with pytest.raises(EventNotAllowed):
        registration_cancel(registration=reg, actor=etree.users["outsider"])
    assert registration_cancel(registration=reg, actor=etree.users["admin_a"]).status == S.CANCELLED


def test_unpaid_registration_is_released_after_the_payment_lifetime(etree):
    event = make_event(etree.a, capacity=1, ticket_types=[{"name": "晚宴票", "price": 5000}])
    reg = submit(event, etree.persons["alumnus"])
    waiting = submit(event, etree.persons["outsider"])
    assert registrations_release_unpaid() == 0  # the payment is still alive
    Payment.objects.filter(reference=reg.payment_reference).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert registrations_release_unpaid() == 1
    reg.refresh_from_db()
    waiting.refresh_from_db()
    assert reg.status == S.CANCELLED and "超时" in reg.cancel_reason
    assert Payment.objects.get(reference=reg.payment_reference).state == PaymentState.CANCELLED
    assert waiting.status == S.PENDING_PAYMENT
    assert counts(event) == (1, 1)


def test_money_arriving_for_a_released_registration_is_refunded(etree, django_capture_on_commit_callbacks):
    event = make_event(etree.a, ticket_types=[{"name": "晚宴票", "price": 5000}])
    reg = submit(event, etree.persons["alumnus"])
    Registration.objects.filter(pk=reg.pk).update(status=S.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        pay(reg)
    assert Refund.objects.filter(payment__reference=reg.payment_reference, amount=5000).exists()
    assert Registration.objects.get(pk=reg.pk).status == S.CANCELLED


def test_school_beta_does_not_see_alpha_registrations(school_b, etree, school_a):
    event = make_event(etree.a)
    submit(event, etree.persons["alumnus"])
    with inside(school_b):
        assert not Registration.objects.exists()
        assert not Event.objects.filter(public_id=event.public_id).exists()
    with inside(school_a):
        assert Registration.objects.filter(event=event).count() == 1


def test_raising_the_capacity_promotes_the_waitlist(etree):
    from alumni.events.services.events import event_update

    event = make_event(etree.a, capacity=1)
    submit(event, etree.persons["alumnus"])
    waiting = submit(event, etree.persons["outsider"])
    assert waiting.status == S.WAITLISTED
    updated = event_update(event=event, actor=etree.users["admin_a"], capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == S.CONFIRMED and updated.confirmed_count == 2


def test_pay_link_of_an_expired_payment_releases_the_place(etree):
    from billing.payments.services import payment_expire

    event = make_event(etree.a, capacity=1, ticket_types=[{"name": "晚宴票", "price": 5000}])
    reg = submit(event, etree.persons["alumnus"])
    payment_expire(payment=Payment.objects.get(reference=reg.payment_reference))
    with pytest.raises(RegistrationStateConflict, match="超时"):
        registration_pay_url(Registration.objects.get(pk=reg.pk))
    assert Registration.objects.get(pk=reg.pk).status == S.CANCELLED
    assert counts(event) == (0, 0)


def test_the_periodic_task_releases_unpaid_places_in_each_school(etree, school_a):
    from tenants.tasks import for_each_school

    event = make_event(etree.a, ticket_types=[{"name": "晚宴票", "price": 5000}])
    reg = submit(event, etree.persons["alumnus"])
    Payment.objects.filter(reference=reg.payment_reference).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert for_each_school("events.release_unpaid") >= 1
    with inside(school_a):
        assert Registration.objects.get(pk=reg.pk).status == S.CANCELLED
