"""Each school's messaging configuration: SMS provider and credentials, e-mail sender name,
WeChat official-account template ids. The yearly SMS quota is the platform's (SmsUsage)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from alumni.messaging.setting_forms import MessagingSettingsForm
from alumni.messaging.setting_panels import SmsQuotaPanel


class SmsProvider(models.TextChoices):
    CONSOLE = "console", _("开发调试（不真实发送，写入日志和文件）")
    ALIYUN = "aliyun", _("阿里云短信")
    TENCENT = "tencent", _("腾讯云短信")


# Purpose of a message → the settings field holding the official-account template for it.
WECHAT_TEMPLATE_FIELDS = {
    "notice": "wechat_template_notice",
    "event": "wechat_template_event",
    "invite": "wechat_template_invite",
    "claim": "wechat_template_review",
    "review": "wechat_template_review",
    "donation": "wechat_template_donation",
}


@register_setting(icon="mail")
class MessagingSettings(BaseGenericSetting):
    """How this school's messages go out (one row per schema)."""

    sms_provider = models.CharField(
        _("短信服务商"), max_length=10, choices=SmsProvider.choices, default=SmsProvider.CONSOLE
    )
    sms_access_key_id = models.CharField(
        _("AccessKey ID / SecretId"),
        max_length=64,
        blank=True,
        help_text=_("阿里云 AccessKey ID 或腾讯云 SecretId"),
    )
    sms_access_key_secret = models.CharField(_("AccessKey Secret / SecretKey"), max_length=128, blank=True)
    sms_sign_name = models.CharField(
        _("短信签名"),
        max_length=30,
        blank=True,
        help_text=_("服务商审核通过的签名，不含【】，如：阿尔法大学校友会"),
    )
    tencent_sms_app_id = models.CharField(
        _("腾讯云短信 SDK AppID"), max_length=20, blank=True, help_text=_("仅腾讯云：短信控制台的 SdkAppId")
    )
    email_from_name = models.CharField(
        _("邮件发件人名称"),
        max_length=60,
        blank=True,
        help_text=_("收件人看到的发件人，如：阿尔法大学校友会；留空用学校名称"),
    )
    email_reply_to = models.EmailField(
        _("回复地址"), blank=True, help_text=_("校友回复邮件时发往的地址（可选）")
    )
    wechat_template_notice = models.CharField(_("通知类模板 ID"), max_length=64, blank=True)
    wechat_template_event = models.CharField(_("活动提醒模板 ID"), max_length=64, blank=True)
    wechat_template_invite = models.CharField(_("邀请模板 ID"), max_length=64, blank=True)
    sms_template_invite = models.CharField(
        _("邀请短信模板代码"),
        max_length=64,
        blank=True,
        help_text=_("服务商审核通过的模板代码；模板变量：name、school、url、days"),
    )
    wechat_template_review = models.CharField(_("审核结果模板 ID"), max_length=64, blank=True)
    wechat_template_donation = models.CharField(_("捐赠感谢模板 ID"), max_length=64, blank=True)

    base_form_class = MessagingSettingsForm
    panels = [
        SmsQuotaPanel(template="messaging/admin/sms_quota_panel.html", heading=_("短信额度")),
        MultiFieldPanel(
            [
                FieldPanel("sms_provider"),
                FieldPanel("sms_access_key_id"),
                FieldPanel("sms_access_key_secret"),
                FieldPanel("sms_sign_name"),
                FieldPanel("tencent_sms_app_id"),
                FieldPanel("sms_template_invite"),
            ],
            heading=_("短信"),
        ),
        MultiFieldPanel([FieldPanel("email_from_name"), FieldPanel("email_reply_to")], heading=_("邮件")),
        MultiFieldPanel(
            [
                FieldPanel("wechat_template_notice"),
                FieldPanel("wechat_template_event"),
                FieldPanel("wechat_template_invite"),
                FieldPanel("wechat_template_review"),
                FieldPanel("wechat_template_donation"),
            ],
            heading=_("微信公众号模板消息"),
            help_text=_("在公众号后台“模板消息”中添加模板后填写模板 ID；公众号 AppID 在“微信配置”中设置。"),
        ),
    ]

    class Meta:
        verbose_name = _("消息设置")
        verbose_name_plural = _("消息设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @property
    def sms_ready(self) -> bool:
        if self.sms_provider == SmsProvider.CONSOLE:
            return True
        ready = bool(self.sms_access_key_id and self.sms_access_key_secret and self.sms_sign_name)
        return ready and (self.sms_provider != SmsProvider.TENCENT or bool(self.tencent_sms_app_id))

    def wechat_template_for(self, purpose: str) -> str:
        field = WECHAT_TEMPLATE_FIELDS.get(purpose)
        return getattr(self, field, "") if field else ""
