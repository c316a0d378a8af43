"""Forms of the platform domain: school sign-up, the console's school form, suspend, operator login."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenants.errors import SubdomainUnavailable
from tenants.models import School
from tenants.validation import subdomain_check


class SchoolFieldsForm(forms.Form):
    """The school itself: name, short name and subdomain (checked like every other entry point)."""

    name = forms.CharField(
        label=_("学校名称"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("如：华东师范大学"), "autocomplete": "organization"}),
    )
    short_name = forms.CharField(
        label=_("简称"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": _("如：华师大")}),
    )
    subdomain = forms.CharField(
        label=_("子域名"),
        max_length=40,
        help_text=_("3–40 位小写字母、数字或连字符，以字母开头。开通后即为校友会网址。"),
        widget=forms.TextInput(
            attrs={
                "placeholder": "ecnu",
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
                "pattern": "[A-Za-z][A-Za-z0-9-]{1,38}[A-Za-z0-9]",
            }
        ),
    )

    def clean_subdomain(self) -> str:
        try:
            return subdomain_check(self.cleaned_data["subdomain"])
        except SubdomainUnavailable as exc:
            raise ValidationError(exc.message, code=exc.code) from exc

    @property
    def domain_suffix(self) -> str:
        return f".{settings.PLATFORM_DOMAIN}"


class AdminFieldsMixin(forms.Form):
    """The school's first back-office admin; the password goes through Django's validators."""

    admin_required = True

    admin_name = forms.CharField(label=_("管理员姓名"), max_length=60, required=False)
    admin_email = forms.EmailField(
        label=_("管理员邮箱"),
        help_text=_("用于登录学校后台。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("确认密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.admin_required:
            for name in ("admin_email", "password1", "password2"):
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        email = (cleaned.get("admin_email") or "").lower()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if not email and not password1 and not self.admin_required:
            return cleaned
        if not email and "admin_email" not in self.errors:
            self.add_error("admin_email", _("设置了密码时，请同时填写管理员邮箱。"))
        if not password1:
            if "password1" not in self.errors:
                self.add_error("password1", _("请为管理员设置密码。"))
            return cleaned
        user = get_user_model()(username=email, email=email, name=cleaned.get("admin_name", ""))
        try:
            validate_password(password1, user=user)
        except ValidationError as exc:
            self.add_error("password1", exc)
        if password1 != password2 and "password2" not in self.errors:
            self.add_error("password2", _("两次输入的密码不一致。"))
        cleaned["admin_email"] = email
        return cleaned


class SignupForm(AdminFieldsMixin, SchoolFieldsForm):
    """Self-service sign-up on the landing page."""

    field_order = ["name", "short_name", "subdomain", "admin_name", "admin_email", "password1", "password2"]


class ConsoleSchoolForm(AdminFieldsMixin, SchoolFieldsForm):
    """An operator creates a school; the first admin is optional."""

    admin_required = False
    is_demo = forms.BooleanField(
        label=_("演示学校"), required=False, help_text=_("在平台首页作为体验入口展示。")
    )

    field_order = [
        "name",
        "short_name",
        "subdomain",
        "admin_name",
        "admin_email",
        "password1",
        "password2",
        "is_demo",
    ]


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("停用原因"),
        max_length=200,
        help_text=_("会显示在该校站点的停用提示页上。"),
        widget=forms.TextInput(attrs={"placeholder": _("如：服务合同到期")}),
    )


class OperatorAuthenticationForm(AuthenticationForm):
    """Console login: only active staff users of the public schema get in."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("邮箱或密码不正确（仅限平台运营人员登录）。"),
        "not_operator": _("该账号不是平台运营人员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("邮箱或用户名")
        self.fields["password"].label = _("密码")

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise ValidationError(self.error_messages["not_operator"], code="not_operator")


STATUS_FILTER_CHOICES = [("", _("全部状态")), *School.Status.choices]
