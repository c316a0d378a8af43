"""Forms shared by the back office."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


class AdminLoginForm(LoginForm):
    """Wagtail's login form, worded for our login backend: e-mail, phone number or username."""

    error_messages = {
        **LoginForm.error_messages,
        "invalid_login": _("账号或密码不正确，请重试。"),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username, password = self.fields["username"], self.fields["password"]
        username.label = _("账号")
        username.widget.attrs["placeholder"] = _("邮箱、手机号或用户名")
        username.widget.attrs["autocomplete"] = "username"
        password.label = _("密码")
        password.widget.attrs["placeholder"] = _("输入密码")

    def get_invalid_login_error(self):
        return forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
