"""Seat plans: rows (剧场式) or tables (圆桌宴会), one seat per ticket."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from alumni.events.models.events import Event


class SeatPlan(models.Model):
    class Kind(models.TextChoices):
        ROWS = "rows", _("排座（剧场式）")
        TABLES = "tables", _("桌位（宴会）")

    event = models.OneToOneField(
        Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="seat_plan"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.ROWS)
    name = models.CharField(_("名称"), max_length=60, default="主会场")

    class Meta:
        verbose_name = _("座位图")
        verbose_name_plural = _("座位图")

    def __str__(self) -> str:
        return self.name


class Seat(models.Model):
    plan = models.ForeignKey(SeatPlan, on_delete=models.CASCADE, related_name="seats")
    section = models.CharField(_("区域"), max_length=20, blank=True)
    row = models.CharField(_("排/桌"), max_length=10)  # row number, or table number
    number = models.PositiveSmallIntegerField(_("座号"))
    label = models.CharField(_("座位"), max_length=40)  # "A区 3排 12座" / "8号桌 5座"
    sort_key = models.PositiveIntegerField(default=0, db_index=True)
    is_reserved = models.BooleanField(_("保留"), default=False)  # kept out of automatic assignment

    class Meta:
        verbose_name = _("座位")
        verbose_name_plural = _("座位")
        ordering = ["plan", "sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "section", "row", "number"], name="events_seat_unique"),
        ]

    def __str__(self) -> str:
        return self.label
