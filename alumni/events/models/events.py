"""An event, its ticket types, invitation codes, and the school's blacklist."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    ALUMNI = "alumni", _("仅校友")
    MEMBERS = "members", _("仅组织成员")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("待审核")  # proposed by an alumnus
    PUBLISHED = "published", _("已发布")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")


def event_public_id() -> str:
    return secrets.token_urlsafe(9)


class Event(models.Model):
    public_id = models.CharField(
        _("编号"), max_length=16, unique=True, default=event_public_id, editable=False
    )
    organization = models.ForeignKey(
        "network.Organization", verbose_name=_("主办组织"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(_("活动名称"), max_length=120)
    cover = models.ImageField(_("封面"), upload_to="events/covers/", blank=True)
    summary = models.CharField(_("一句话介绍"), max_length=200, blank=True)
    description = models.TextField(_("活动详情"), blank=True)
    tags = ArrayField(models.CharField(max_length=20), verbose_name=_("标签"), default=list, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    is_online = models.BooleanField(_("线上活动"), default=False)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    city = models.CharField(_("城市"), max_length=40, blank=True, db_index=True)
    online_url = models.URLField(_("线上链接"), blank=True)
    organizer_name = models.CharField(_("联系人"), max_length=60, blank=True)
    organizer_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    capacity = models.PositiveIntegerField(_("人数上限"), null=True, blank=True, help_text=_("留空表示不限"))
    registration_opens_at = models.DateTimeField(_("报名开始"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("报名截止"), null=True, blank=True)
    # Until when a registrant may cancel by themselves (paid tickets are refunded then).
    cancellation_deadline = models.DateTimeField(_("可自行取消至"), null=True, blank=True)
    visibility = models.CharField(
        _("可见范围"), max_length=10, choices=Visibility.choices, default=Visibility.ALUMNI
    )
    requires_approval = models.BooleanField(_("报名需审核"), default=False)
    guests_allowed = models.PositiveSmallIntegerField(_("每人可带家属/嘉宾"), default=0)
    waitlist_enabled = models.BooleanField(_("满员后候补"), default=True)
    # Custom registration fields: [{"key", "label", "type", "required", "options"}], as join forms.
    form = models.JSONField(_("报名表"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT, db_index=True
    )
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    is_pinned = models.BooleanField(_("置顶"), default=False)
    is_recommended = models.BooleanField(_("推荐"), default=False)
    proposed_by = models.ForeignKey(
        "people.Person",
        verbose_name=_("发起校友"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposed_events",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Ed25519 key pair of this event's tickets: the private half sealed (alumni.core.pii), the
    # public half handed to offline scanners.
    signing_key = models.TextField(_("签名私钥（加密）"), blank=True, editable=False)
    verify_key = models.CharField(_("验票公钥"), max_length=64, blank=True, editable=False)
    confirmed_count = models.PositiveIntegerField(_("已确认人数"), default=0)  # heads incl. guests
    is_deleted = models.BooleanField(_("已删除"), default=False, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-is_pinned", "-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="events_ends_after_start"
            ),
            # The database's backstop against overselling.
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(confirmed_count__lte=models.F("capacity")),
                name="events_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return not self.ticket_types.filter(price__gt=0).exists()

    def registration_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == EventStatus.PUBLISHED
            and not self.is_deleted
            and (self.registration_opens_at is None or self.registration_opens_at <= now)
            and (self.registration_closes_at is None or now < self.registration_closes_at)
            and now < self.ends_at
        )


class TicketType(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="ticket_types"
    )
    name = models.CharField(_("票种"), max_length=40)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    price = models.PositiveIntegerField(_("票价（分）"), default=0)
    currency = models.CharField(_("币种"), max_length=3, default="CNY")
    quota = models.PositiveIntegerField(_("名额"), null=True, blank=True, help_text=_("留空表示不限"))
    sold = models.PositiveIntegerField(_("已确认"), default=0)
    is_active = models.BooleanField(_("可报名"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("票种")
        verbose_name_plural = _("票种")
        ordering = ["event", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quota__isnull=True) | Q(sold__lte=models.F("quota")),
                name="events_tickettype_within_quota",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.name}"

    @property
    def is_free(self) -> bool:
        return self.price == 0


class InvitationCode(models.Model):
    """A code for VIP guests: takes a place within the capacity (first come) and skips approval."""

    event = models.ForeignKey(
        Event, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="invitation_codes"
    )
    code = models.CharField(_("邀请码"), max_length=16)
    ticket_type = models.ForeignKey(
        TicketType, verbose_name=_("票种"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("备注（发给谁）"), max_length=100, blank=True)
    max_uses = models.PositiveSmallIntegerField(_("可用次数"), default=1)
    used = models.PositiveSmallIntegerField(_("已用次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("邀请码")
        verbose_name_plural = _("邀请码")
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="events_invitation_code_unique"),
            models.CheckConstraint(
                condition=Q(used__lte=models.F("max_uses")), name="events_invitation_within_uses"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class BlacklistEntry(models.Model):
    """An alumnus barred from registering for the school's events; they are told the reason."""

    person = models.OneToOneField(
        "people.Person", verbose_name=_("校友"), on_delete=models.CASCADE, related_name="event_blacklist"
    )
    reason = models.CharField(_("原因（会告知本人）"), max_length=200)
    until = models.DateTimeField(_("截止时间"), null=True, blank=True, help_text=_("留空表示长期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动黑名单")
        verbose_name_plural = _("活动黑名单")

    def __str__(self) -> str:
        return f"{self.person} — {self.reason}"


class Favourite(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="favourites")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="favourite_events")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="events_favourite_unique")]

    def __str__(self) -> str:
        return f"{self.person} ♥ {self.event}"
