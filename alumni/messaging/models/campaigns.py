"""E-mail campaigns: the campaign, its recipients (one row per address) and custom layouts.

Built-in layouts are template files (alumni/messaging/templates/messaging/email/*.html, listed in
``BUILTIN_TEMPLATES``); a school's own layouts are ``EmailTemplate`` rows.

A recipient moves pending → sending (claimed by one worker, its MessageLog written in the same
transaction) → sent | failed, or straight to invalid / unsubscribed. See docs/messaging.md
("邮件群发") for why this sequence never sends anyone a second copy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# key → (label, description); the file is messaging/email/<key>.html.
BUILTIN_TEMPLATES: dict[str, tuple[str, str]] = {
    "simple": (_("简洁信笺"), _("白底单栏，适合通知与感谢信")),
    "banner": (_("校色横幅"), _("顶部学校名横幅，适合活动邀请")),
    "newsletter": (_("校友通讯"), _("带标题区与分隔线，适合月度通讯")),
}
CONTENT_SLOT = "正文"  # {{正文}} in a custom layout is where the campaign's content goes


class EmailTemplate(models.Model):
    """A layout the school wrote itself: HTML with {{正文}} where each campaign's content goes."""

    name = models.CharField(_("模板名称"), max_length=60)
    html = models.TextField(_("HTML"), help_text=_("用 {{正文}} 标出正文位置，可使用 {{姓名}} 等占位符"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("邮件模板")
        verbose_name_plural = _("邮件模板")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class EmailCampaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SCHEDULED = "scheduled", _("已定时")
        SENDING = "sending", _("发送中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    name = models.CharField(_("群发名称"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    source = models.CharField(_("收件人来源"), max_length=40, blank=True)
    source_params = models.JSONField(_("来源参数"), default=dict, blank=True)
    source_label = models.CharField(_("收件人说明"), max_length=200, blank=True)
    builtin_template = models.CharField(_("内置模板"), max_length=20, blank=True, default="simple")
    custom_template = models.ForeignKey(
        EmailTemplate,
        verbose_name=_("自定义模板"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    subject = models.CharField(_("邮件标题"), max_length=200, blank=True)
    body = models.TextField(_("正文"), blank=True, help_text=_("HTML 或纯文本，可使用 {{姓名}} 等占位符"))
    scheduled_at = models.DateTimeField(_("定时发送"), null=True, blank=True, db_index=True)
    throttle_per_minute = models.PositiveIntegerField(
        _("每分钟最多发送"), default=0, help_text=_("0 表示不限速")
    )
    total = models.PositiveIntegerField(_("收件人数"), default=0)
    sent_count = models.PositiveIntegerField(_("已送达"), default=0)
    failed_count = models.PositiveIntegerField(_("失败"), default=0)
    invalid_count = models.PositiveIntegerField(_("地址无效"), default=0)
    unsubscribed_count = models.PositiveIntegerField(_("已退订"), default=0)
    opened_count = models.PositiveIntegerField(_("已打开"), default=0)
    # Updated after every batch: a campaign "sending" without a recent heartbeat lost its worker
    # and is picked up again by the periodic job.
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("邮件群发")
        verbose_name_plural = _("邮件群发")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def done_count(self) -> int:
        return self.sent_count + self.failed_count + self.invalid_count + self.unsubscribed_count

    @property
    def progress_percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.done_count / self.total))

    @property
    def template_label(self) -> str:
        if self.custom_template_id:
            return str(self.custom_template)
        return str(BUILTIN_TEMPLATES.get(self.builtin_template, ("", ""))[0])


class CampaignRecipient(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已送达")
        FAILED = "failed", _("失败")
        INVALID = "invalid", _("地址无效")
        UNSUBSCRIBED = "unsubscribed", _("已退订")

    campaign = models.ForeignKey(EmailCampaign, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    email = models.CharField(_("邮箱"), max_length=254, blank=True)
    # Placeholder values taken when the list was built (an uploaded list's extra columns too), so
    # sending renders without reading the records again.
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(_("原因"), max_length=300, blank=True)
    log = models.ForeignKey(
        "messaging.MessageLog", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    opened_at = models.DateTimeField(_("打开时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("从本邮件退订"), null=True, blank=True)

    class Meta:
        verbose_name = _("群发收件人")
        verbose_name_plural = _("群发收件人")
        ordering = ["id"]
        indexes = [models.Index(fields=["campaign", "status"], name="messaging_crecip_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "email"],
                condition=~Q(email=""),
                name="messaging_crecip_once_per_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
