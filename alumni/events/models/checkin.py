"""Check-in: gates (check-in lists) and every scan, online or uploaded later from an offline scanner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alumni.events.models.events import Event, TicketType
from alumni.events.models.registrations import Ticket


class Gate(models.Model):
    """A check-in list / entrance (A 门, 签到台 2): which ticket types it admits."""

    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="gates")
    name = models.CharField(_("名称"), max_length=40)
    ticket_types = models.ManyToManyField(
        TicketType, verbose_name=_("可入场票种"), blank=True, help_text=_("不选表示全部票种")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("签到入口")
        verbose_name_plural = _("签到入口")
        ordering = ["event", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="events_gate_unique_name")]

    def __str__(self) -> str:
        return self.name


class ScanResult(models.TextChoices):
    ADMITTED = "admitted", _("签到成功")
    ALREADY = "already", _("已签到")
    REVOKED = "revoked", _("票已作废")
    WRONG_EVENT = "wrong_event", _("非本活动门票")
    WRONG_GATE = "wrong_gate", _("不可从此入口入场")
    INVALID = "invalid", _("无效票码")
    CONFLICT = "conflict", _("离线重复入场")


class Scan(models.Model):
    """One scan. ``nonce`` is the scanner's id for this scan: retrying an upload never double-counts."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="scans")
    gate = models.ForeignKey(Gate, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans")
    nonce = models.CharField(max_length=64, unique=True)
    result = models.CharField(max_length=12, choices=ScanResult.choices)
    scanned_at = models.DateTimeField(db_index=True)  # on the scanner's clock for offline scans
    received_at = models.DateTimeField(auto_now_add=True)
    offline = models.BooleanField(default=False)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.CharField(max_length=60, blank=True)

    class Meta:
        verbose_name = _("扫码记录")
        verbose_name_plural = _("扫码记录")
        ordering = ["-scanned_at", "-id"]
        indexes = [models.Index(fields=["event", "result"], name="events_scan_event_result")]

    def __str__(self) -> str:
        return f"{self.get_result_display()} {self.scanned_at:%H:%M:%S}"
