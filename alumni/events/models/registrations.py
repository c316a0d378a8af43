"""Registrations and the tickets they produce (one per head: the registrant and each guest)."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from alumni.events.models.events import Event, InvitationCode, TicketType


class RegistrationStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("待审核")
    PENDING_PAYMENT = "pending_payment", _("待支付")
    WAITLISTED = "waitlisted", _("候补中")
    CONFIRMED = "confirmed", _("报名成功")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")


# A person holds at most one registration in these states per event.
LIVE_STATUSES = (
    RegistrationStatus.PENDING_APPROVAL,
    RegistrationStatus.PENDING_PAYMENT,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.CONFIRMED,
)


class Registration(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="registrations"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("报名人"),
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    ticket_type = models.ForeignKey(
        TicketType, verbose_name=_("票种"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=RegistrationStatus.choices, db_index=True)
    guests = models.JSONField(_("同行人"), default=list, blank=True)  # [{"name": …, "phone": …}]
    answers = models.JSONField(_("报名表内容"), default=dict, blank=True)
    invitation = models.ForeignKey(
        InvitationCode,
        verbose_name=_("邀请码"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    amount = models.PositiveIntegerField(_("应付金额（分）"), default=0)
    payment_reference = models.CharField(_("支付单号"), max_length=32, blank=True)
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                condition=Q(status__in=["pending_approval", "pending_payment", "waitlisted", "confirmed"]),
                name="events_one_live_registration",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"], name="events_reg_event_status")]

    def __str__(self) -> str:
        return f"{self.person} → {self.event}（{self.get_status_display()}）"

    @property
    def heads(self) -> int:
        return 1 + len(self.guests or [])


def ticket_code() -> str:
    # Opaque, short, unguessable: printed under the QR code and typed by hand if a scan fails.
    return secrets.token_hex(5).upper()


class Ticket(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已作废")

    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="tickets")
    registration = models.ForeignKey(
        Registration, verbose_name=_("报名"), on_delete=models.CASCADE, related_name="tickets"
    )
    code = models.CharField(_("票号"), max_length=12, unique=True, default=ticket_code)
    holder_name = models.CharField(_("持票人"), max_length=60)
    is_guest = models.BooleanField(_("同行人"), default=False)
    # Bumped when the ticket changes (seat, holder): QR codes of older versions are revoked.
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.VALID, db_index=True
    )
    seat = models.OneToOneField(
        "events.Seat",
        verbose_name=_("座位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket",
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_gate = models.ForeignKey(
        "events.Gate",
        verbose_name=_("签到入口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("出票时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子票")
        verbose_name_plural = _("电子票")
        ordering = ["registration", "is_guest", "id"]
        indexes = [models.Index(fields=["event", "status"], name="events_ticket_event_status")]

    def __str__(self) -> str:
        return f"{self.code} {self.holder_name}"
