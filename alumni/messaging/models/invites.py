"""Invitations: a tokened link sent to one person, accepted once (register, later chapter roles).

The link carries a random 32-byte secret; only its SHA-256 is stored, so a database leak gives no
usable links and a lookup by hash needs no constant-time comparison of secrets.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alumni.messaging.models.logs import Channel


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("待接受")
    USED = "used", _("已接受")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已撤销")


class Invitation(models.Model):
    """One invitation to one person for one purpose (what accepting does belongs to that purpose)."""

    purpose = models.CharField(_("用途"), max_length=40, db_index=True)
    payload = models.JSONField(_("附加数据"), default=dict, blank=True)
    name = models.CharField(_("受邀人"), max_length=60)
    channel = models.CharField(_("发送渠道"), max_length=12, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=254, help_text=_("手机号、邮箱或微信 openid"))
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    sends = models.PositiveSmallIntegerField(_("发送次数"), default=1)
    expires_at = models.DateTimeField(_("有效期至"), db_index=True)
    used_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接受账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("邀请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = _("邀请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="messaging_invite_used_or_revoked",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.purpose}）"

    @property
    def status(self) -> str:
        if self.used_at is not None:
            return InvitationStatus.USED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return str(InvitationStatus(self.status).label)
