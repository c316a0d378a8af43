"""The back-office form for the WeChat settings: AppSecrets are write-only.

A saved secret is never sent back to the browser; the field shows only its first and last
characters in the help text, and leaving it empty keeps the stored value.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

APP_ID_RE = re.compile(r"^wx[0-9a-zA-Z]{16}$")
SECRET_RE = re.compile(r"^[0-9a-zA-Z]{32}$")
PAIRS = (
    ("official_app_id", "official_app_secret"),
    ("miniprogram_app_id", "miniprogram_app_secret"),
)


def mask_secret(value: str) -> str:
    """``abcd…wxyz``: enough to recognise a secret, not enough to use it."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * 6}{value[-4:]}"


class WeChatSettingsForm(WagtailAdminModelForm):
    official_app_secret = forms.CharField(
        label=_("公众号 AppSecret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    miniprogram_app_secret = forms.CharField(
        label=_("小程序 AppSecret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for app_field, secret_field in PAIRS:
            self.fields[app_field].help_text = _("以 wx 开头的 18 位 AppID；清空即停用该登录方式。")
            stored = getattr(self.instance, secret_field, "")
            self.fields[secret_field].help_text = (
                _("已保存：%(masked)s。留空则保持不变。") % {"masked": mask_secret(stored)}
                if stored
                else _("32 位 AppSecret，保存后不再完整显示。")
            )

    def clean(self):
        cleaned = super().clean()
        for app_field, secret_field in PAIRS:
            app_id = (cleaned.get(app_field) or "").strip()
            secret = (cleaned.get(secret_field) or "").strip()
            cleaned[app_field] = app_id
            if app_id and not APP_ID_RE.match(app_id):
                self.add_error(app_field, _("AppID 格式不正确，应为 wx 开头的 18 位字符。"))
            if not secret:
                # Empty means "keep what is stored" (the stored value is never shown).
                secret = getattr(self.instance, secret_field, "") or ""
            elif not SECRET_RE.match(secret):
                self.add_error(secret_field, _("AppSecret 格式不正确，应为 32 位字母或数字。"))
            if app_id and not secret:
                self.add_error(secret_field, _("填写了 AppID 时必须填写 AppSecret。"))
            cleaned[secret_field] = secret
        return cleaned
