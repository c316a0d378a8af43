"""Lottery draws, publicly verifiable by commit–reveal (see alumni/events/draws.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alumni.events.models.events import Event
from alumni.events.models.registrations import Ticket


class Draw(models.Model):
    class Eligibility(models.TextChoices):
        REGISTERED = "registered", _("所有报名成功者")
        CHECKED_IN = "checked_in", _("已签到者")

    class Status(models.TextChoices):
        COMMITTED = "committed", _("待抽奖")  # seed hash published
        DRAWN = "drawn", _("已开奖")  # seed revealed

    event = models.ForeignKey(Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="draws")
    name = models.CharField(_("轮次名称"), max_length=60)  # 一等奖
    prize = models.CharField(_("奖品"), max_length=100)
    winners_count = models.PositiveIntegerField(_("中奖人数"))
    eligibility = models.CharField(
        _("抽奖范围"), max_length=12, choices=Eligibility.choices, default=Eligibility.CHECKED_IN
    )
    exclude_previous_winners = models.BooleanField(_("排除已中奖者"), default=True)
    seed_hash = models.CharField(_("种子哈希（SHA-256）"), max_length=64)
    seed = models.CharField(_("种子（开奖后公布）"), max_length=64, blank=True)
    sealed_seed = models.TextField(editable=False)  # encrypted until the draw
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.COMMITTED)
    eligible_count = models.PositiveIntegerField(_("参与人数"), default=0)
    eligible_digest = models.CharField(_("名单摘要（SHA-256）"), max_length=64, blank=True)
    # The sorted draw numbers (ticket ids) frozen at the draw, one per line: published for
    # verification, since the live set moves on (later check-ins, later winners excluded).
    eligible_entries = models.TextField(_("参与名单"), blank=True, editable=False)
    sort_order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    drawn_at = models.DateTimeField(_("开奖时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抽奖")
        verbose_name_plural = _("抽奖")
        ordering = ["event", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.event} · {self.name}"


class Winner(models.Model):
    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="winners")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="wins")
    rank = models.PositiveIntegerField()

    class Meta:
        ordering = ["draw", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "ticket"], name="events_winner_once_per_draw"),
            models.UniqueConstraint(fields=["draw", "rank"], name="events_winner_rank_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.ticket}"
