"""Accounts: each school's WeChat configuration and the WeChat identities bound to its users."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from alumni.accounts.setting_forms import WeChatSettingsForm


@register_setting(icon="cogs")
class WeChatSettings(BaseGenericSetting):
    """The school's WeChat official account and mini-program credentials (one row per schema)."""

    official_app_id = models.CharField(_("公众号 AppID"), max_length=32, blank=True)
    official_app_secret = models.CharField(_("公众号 AppSecret"), max_length=64, blank=True)
    miniprogram_app_id = models.CharField(_("小程序 AppID"), max_length=32, blank=True)
    miniprogram_app_secret = models.CharField(_("小程序 AppSecret"), max_length=64, blank=True)

    base_form_class = WeChatSettingsForm
    panels = [
        MultiFieldPanel(
            [FieldPanel("official_app_id"), FieldPanel("official_app_secret")],
            heading=_("微信公众号（H5 网页授权登录）"),
        ),
        MultiFieldPanel(
            [FieldPanel("miniprogram_app_id"), FieldPanel("miniprogram_app_secret")],
            heading=_("微信小程序（code2session 登录）"),
        ),
    ]

    class Meta:
        verbose_name = _("微信配置")
        verbose_name_plural = _("微信配置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @property
    def official_ready(self) -> bool:
        return bool(self.official_app_id and self.official_app_secret)

    @property
    def miniprogram_ready(self) -> bool:
        return bool(self.miniprogram_app_id and self.miniprogram_app_secret)


class WeChatIdentity(models.Model):
    """One WeChat user as seen by one of the school's apps (openid is per app).

    ``user`` is empty while the binding is pending: the visitor signed in with WeChat but has
    not yet logged in or registered. ``unionid`` is the same across the school's apps when they
    share an Open Platform account, so a user bound through the official account is recognised
    in the mini-program too.
    """

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("公众号")
        MINIPROGRAM = "miniprogram", _("小程序")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="wechat_identities",
    )
    app_id = models.CharField(_("AppID"), max_length=32)
    openid = models.CharField(_("OpenID"), max_length=64)
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True, db_index=True)
    kind = models.CharField(_("来源"), max_length=20, choices=Kind.choices)
    nickname = models.CharField(_("微信昵称"), max_length=100, blank=True)
    avatar_url = models.URLField(_("微信头像"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("首次登录"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近登录"), auto_now=True)
    bound_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微信身份")
        verbose_name_plural = _("微信身份")
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["app_id", "openid"], name="accounts_wechat_app_openid_unique"),
            # One WeChat account per app per user; a second one would make logins ambiguous.
            models.UniqueConstraint(
                fields=["user", "app_id"],
                condition=Q(user__isnull=False),
                name="accounts_wechat_user_app_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.nickname or self.openid}"
