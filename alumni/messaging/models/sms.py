"""Mass SMS campaigns (one row per recipient, the report) and birthday greetings.

A campaign's recipients are fixed when it is prepared: each row carries the rendered text and
its billed segments, so the preview, the quota reservation and the send all count the same
thing. Birthday greetings are one row per person and year; the unique constraint is what makes
"at most once a year" hold even when two workers run the same school's task at once.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SmsCampaign(models.Model):
    """One mass SMS: who (a registered recipient source, see alumni.messaging.recipient_sources),
    what (text with placeholders), when."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SCHEDULED = "scheduled", _("已预约")
        SENDING = "sending", _("发送中")
        DONE = "done", _("已完成")
        REFUSED = "refused", _("额度不足未发送")
        CANCELLED = "cancelled", _("已取消")

    title = models.CharField(_("名称"), max_length=100)
    signature = models.CharField(
        _("短信签名"), max_length=30, blank=True, help_text=_("发送时消息设置中的签名，显示为【签名】")
    )
    text = models.TextField(_("短信内容"), help_text=_("可用占位符，如 {{姓名}}"))
    sms_template = models.CharField(
        _("服务商模板编号"), max_length=40, blank=True, help_text=_("阿里云/腾讯云审核通过的模板编号")
    )
    source = models.CharField(_("收件人来源"), max_length=40, default="alumni")
    source_params = models.JSONField(_("来源参数"), default=dict, blank=True)
    source_label = models.CharField(_("收件人说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(_("预约时间"), null=True, blank=True)
    # Fixed when prepared: recipients who will get an SMS and the segments they will be billed.
    recipients_valid = models.PositiveIntegerField(_("有效收件人"), default=0)
    recipients_invalid = models.PositiveIntegerField(_("无效号码"), default=0)
    segments_total = models.PositiveIntegerField(_("计费条数"), default=0)
    # What was taken from SmsUsage (the year's row) when sending started, to give unused parts back.
    quota_year = models.PositiveSmallIntegerField(_("额度年份"), null=True, blank=True)
    quota_reserved = models.PositiveIntegerField(_("已预留额度"), default=0)
    error = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始发送"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信群发")
        verbose_name_plural = _("短信群发")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class SmsRecipient(models.Model):
    """One phone number of a campaign with its rendered text, and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("失败")
        SKIPPED = "skipped", _("已跳过")

    campaign = models.ForeignKey(
        SmsCampaign, verbose_name=_("短信群发"), on_delete=models.CASCADE, related_name="recipients"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("校友"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号"), max_length=40, blank=True)
    text = models.TextField(_("短信内容"), blank=True)
    segments = models.PositiveSmallIntegerField(_("计费条数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error = models.CharField(_("原因"), max_length=300, blank=True)
    log = models.ForeignKey(
        "messaging.MessageLog",
        verbose_name=_("发送记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("短信收件人")
        verbose_name_plural = _("短信收件人")
        ordering = ["id"]
        indexes = [models.Index(fields=["campaign", "status"], name="messaging_smsrcpt_status")]

    def __str__(self) -> str:
        return f"{self.name} {self.phone}"

    @property
    def signed_text(self) -> str:
        """The SMS as the recipient reads it (the gateway adds the campaign's 【signature】)."""
        from alumni.messaging.sms_length import with_signature

        return with_signature(self.campaign.signature, self.text)


class BirthdayChannel(models.TextChoices):
    SMS = "sms", _("短信（有手机号的校友）")
    ACCOUNT = "account", _("站内消息 + 微信（已注册的校友）")


class BirthdaySettings(models.Model):
    """The school's birthday greeting settings (one row, pk 1)."""

    enabled = models.BooleanField(_("启用生日祝福"), default=False)
    channel = models.CharField(
        _("发送方式"), max_length=10, choices=BirthdayChannel.choices, default=BirthdayChannel.SMS
    )
    text = models.TextField(
        _("祝福内容"),
        default="{{姓名}}校友，今天是您的生日，母校{{学校}}祝您生日快乐、万事顺意！",
        help_text=_("可用占位符，如 {{姓名}}"),
    )
    sms_template = models.CharField(_("服务商模板编号"), max_length=40, blank=True)
    wechat_template_id = models.CharField(_("微信模板ID"), max_length=64, blank=True)
    # Beat runs hourly; each school sends in the first run at or after this time (see docs).
    send_time = models.TimeField(_("发送时间"), default=time(9, 0))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("生日祝福设置")
        verbose_name_plural = _("生日祝福设置")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="messaging_birthday_settings_single")]

    def __str__(self) -> str:
        return str(_("生日祝福设置"))


class BirthdayGreeting(models.Model):
    """A greeting sent (queued) to one person in one year: at most one per person and year."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("校友"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    greeted_on = models.DateField(_("祝福日期"))
    channel = models.CharField(_("发送方式"), max_length=10, choices=BirthdayChannel.choices)
    log = models.ForeignKey(
        "messaging.MessageLog",
        verbose_name=_("发送记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("生日祝福")
        verbose_name_plural = _("生日祝福")
        ordering = ["-greeted_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="messaging_birthday_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year}"
