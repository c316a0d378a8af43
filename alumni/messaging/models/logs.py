"""What was sent to whom, over which channel, and what became of it; in-app notices; opt-outs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信公众号")
    MINIPROGRAM = "miniprogram", _("小程序订阅消息")
    INAPP = "inapp", _("站内消息")


class MessageLog(models.Model):
    """One attempt to reach one recipient over one channel (the send log)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")
        SKIPPED = "skipped", _("已跳过")
        OPENED = "opened", _("已打开")
        BOUNCED = "bounced", _("退信")

    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices, db_index=True)
    purpose = models.CharField(
        _("用途"), max_length=40, db_index=True, help_text=_("campaign, birthday, invite …")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("校友"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("收件人"), max_length=60, blank=True)
    address = models.CharField(_("地址"), max_length=254, blank=True, help_text=_("邮箱、手机号或 openid"))
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    payload = models.JSONField(_("渠道参数"), default=dict, blank=True)
    error = models.CharField(_("失败原因"), max_length=500, blank=True)
    provider_message_id = models.CharField(_("服务商消息ID"), max_length=120, blank=True)
    # Sending twice must be impossible even if a worker dies after the provider accepted the
    # message: callers pass a key (campaign recipient, birthday+year, invite id) and the row is
    # unique per channel and key.
    idempotency_key = models.CharField(_("幂等键"), max_length=120, null=True, blank=True)
    campaign_type = models.CharField(_("活动类型"), max_length=20, blank=True)
    campaign_id = models.PositiveBigIntegerField(_("活动ID"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("打开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="messaging_log_once_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["campaign_type", "campaign_id", "status"], name="messaging_log_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.name or self.address} ({self.get_status_display()})"


class Notice(models.Model):
    """An in-app message the alumnus reads under 我的消息."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="notices"
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    purpose = models.CharField(_("用途"), max_length=40, blank=True)
    log = models.OneToOneField(
        MessageLog, null=True, blank=True, on_delete=models.SET_NULL, related_name="notice"
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="messaging_notice_unread")]

    def __str__(self) -> str:
        return self.title


class Unsubscribe(models.Model):
    """An address that asked not to receive a kind of message again (honoured from then on)."""

    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=254)
    purpose = models.CharField(_("用途"), max_length=40, blank=True, help_text=_("空表示全部营销类消息"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("退订时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退订")
        verbose_name_plural = _("退订")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address", "purpose"], name="messaging_unsubscribe_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_channel_display()})"


class SmsUsage(models.Model):
    """SMS sent by this school in one calendar year, checked against its yearly quota before sending."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    quota = models.PositiveIntegerField(_("年度额度"), default=100_000)
    used = models.PositiveIntegerField(_("已用"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("短信用量")
        verbose_name_plural = _("短信用量")
        constraints = [
            models.CheckConstraint(
                condition=Q(used__lte=models.F("quota")), name="messaging_sms_within_quota"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.used}/{self.quota}"

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.used)
