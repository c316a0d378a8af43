"""The back-office form for the messaging settings: the SMS AccessKey secret is write-only.

Same rule as alumni.accounts' WeChat settings: a saved secret is never sent back to the browser,
its help text shows a mask, and leaving the field empty keeps the stored value.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

SECRET_FIELD = "sms_access_key_secret"  # noqa: S105 (a field name, not a secret)
TEMPLATE_ID_RE = re.compile(r"^[0-9A-Za-z_\-]{6,64}$")


def mask_secret(value: str) -> str:
    """``abcd******wxyz``: enough to recognise a secret, not enough to use it."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * 6}{value[-4:]}"


class MessagingSettingsForm(WagtailAdminModelForm):
    sms_access_key_secret = forms.CharField(
        label=_("AccessKey Secret / SecretKey"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = getattr(self.instance, SECRET_FIELD, "")
        self.fields[SECRET_FIELD].help_text = (
            _("已保存：%(masked)s。留空则保持不变。") % {"masked": mask_secret(stored)}
            if stored
            else _("保存后不再完整显示。")
        )

    def clean(self):
        cleaned = super().clean()
        provider = cleaned.get("sms_provider") or "console"
        for name in ("sms_access_key_id", "sms_sign_name", "tencent_sms_app_id", "email_from_name"):
            cleaned[name] = (cleaned.get(name) or "").strip()
        secret = (cleaned.get(SECRET_FIELD) or "").strip()
        if not secret:
            # Empty means "keep what is stored" (the stored value is never shown).
            secret = getattr(self.instance, SECRET_FIELD, "") or ""
        cleaned[SECRET_FIELD] = secret
        if provider in ("aliyun", "tencent"):
            if not cleaned["sms_access_key_id"]:
                self.add_error("sms_access_key_id", _("使用云服务商发送短信时必须填写。"))
            if not secret:
                self.add_error(SECRET_FIELD, _("使用云服务商发送短信时必须填写。"))
            if not cleaned["sms_sign_name"]:
                self.add_error("sms_sign_name", _("请填写服务商已审核通过的短信签名。"))
        if provider == "tencent" and not re.fullmatch(r"\d{10}", cleaned["tencent_sms_app_id"]):
            self.add_error("tencent_sms_app_id", _("腾讯云短信 SDK AppID 为 10 位数字（如 1400006666）。"))
        for name, value in list(cleaned.items()):
            if name.startswith("wechat_template_") and value:
                value = value.strip()
                cleaned[name] = value
                if not TEMPLATE_ID_RE.match(value):
                    self.add_error(name, _("模板 ID 只能包含字母、数字、下划线和短横线。"))
        return cleaned
