"""H5 forms: registration and login (validation only; the views save through services)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from alumni.accounts import selectors

# account_input_check names the password "password"; this form has password1 + password2.
_FIELD_FOR_PROBLEM = {"password": "password1"}


class RegisterForm(forms.Form):
    name = forms.CharField(
        label=_("姓名"),
        max_length=60,
        error_messages={"required": _("请填写姓名")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "11 位手机号"}
        ),
    )
    email = forms.CharField(
        label=_("邮箱"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "name@example.com"}),
        help_text=_("手机号和邮箱至少填写一项，之后都可用来登录。"),
    )
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        error_messages={"required": _("请设置密码")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不能全是数字，也不能太常见。"),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        error_messages={"required": _("请再次输入密码")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        check = selectors.account_input_check(
            name=cleaned.get("name"),  # None when already rejected as missing
            phone=cleaned.get("phone", ""),
            email=cleaned.get("email", ""),
            password=password1 if password1 else None,
        )
        for field, messages in check.problems.items():
            for message in messages:
                self.add_error(_FIELD_FOR_PROBLEM.get(field, field), message)
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("两次输入的密码不一致"))
        if not self.errors:
            cleaned["phone"], cleaned["email"] = check.phone or "", check.email
        return cleaned


class LoginForm(AuthenticationForm):
    """Log in with phone, e-mail or username (the backend accepts all three)."""

    error_messages = {
        "invalid_login": _("账号或密码错误，请重新输入。"),
        "inactive": _("该账号已停用，请联系校友会。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("手机号 / 邮箱 / 用户名")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].label = _("密码")
