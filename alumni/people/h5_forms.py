"""Forms of the alumni-facing H5 pages: claim, contact data, privacy, a self-reported degree.

Forms only parse and check input; the views hand ``cleaned_data`` to the services.
"""

from __future__ import annotations

import re

from django import forms
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alumni.people.choices import INDUSTRIES, PRIVACY_DEFAULTS, DegreeLevel, Visibility
from alumni.people.models import Claim, College
from tenants.users.phones import normalize_phone

PRIVACY_LABELS = {
    "phone": _("手机号"),
    "email": _("邮箱"),
    "wechat_id": _("微信号"),
    "birth_date": _("出生日期"),
    "company": _("工作单位"),
    "title": _("职务"),
    "city": _("所在城市"),
    "industry": _("行业"),
    "photo": _("照片"),
    "degrees": _("学历信息"),
}
MAX_CONTACTS = 3


def _year_field(label, required=False):
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=1900,
        max_value=timezone.localdate().year + 1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "如 2008"}),
    )


def _ask_for(form: forms.Form) -> None:
    """Required fields say what is missing: 请填写入学年份 instead of a generic message."""
    for field in form.fields.values():
        verb = "请选择" if isinstance(field, forms.ChoiceField) else "请填写"
        field.error_messages["required"] = f"{verb}{field.label}"


def _split(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,，;；、]+", value or "") if part]


class ClaimForm(forms.Form):
    """Both claim methods; ``method`` decides which fields are required."""

    method = forms.ChoiceField(choices=Claim.Method.choices, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("姓名"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    student_number = forms.CharField(label=_("学号"), max_length=30, required=False)
    enrollment_year = _year_field(_("入学年份"))
    college = forms.CharField(
        label=_("学院"),
        max_length=80,
        required=False,
        help_text=_("可填现名或入学时的名称（如 计算机系）"),
        widget=forms.TextInput(attrs={"list": "college-names"}),
    )
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    level = forms.ChoiceField(label=_("学历层次"), choices=DegreeLevel.choices, initial=DegreeLevel.BACHELOR)
    major_name = forms.CharField(label=_("专业（选填）"), max_length=80, required=False)
    graduation_year = _year_field(_("毕业年份（选填）"))

    def __init__(self, *args, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].initial = method
        if method == Claim.Method.STUDENT_NUMBER:
            self.fields["student_number"].required = True
            for name in ("enrollment_year", "college", "birth_date"):
                del self.fields[name]
        else:
            del self.fields["student_number"]
            for name in ("enrollment_year", "college", "birth_date"):
                self.fields[name].required = True
        _ask_for(self)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("method", None)
        if "college" in data:
            data["college_name"] = data.pop("college")
        return {key: value for key, value in data.items() if value not in (None, "")}


class ContactForm(forms.Form):
    """The contact data an alumnus keeps current (services.records.SELF_EDITABLE_FIELDS)."""

    phones = forms.CharField(
        label=_("手机号"),
        required=False,
        help_text=_("多个号码用空格或逗号分隔"),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    emails = forms.CharField(
        label=_("邮箱"),
        required=False,
        help_text=_("多个邮箱用空格或逗号分隔"),
        widget=forms.TextInput(attrs={"inputmode": "email"}),
    )
    wechat_id = forms.CharField(label=_("微信号"), max_length=40, required=False)
    province = forms.CharField(label=_("省份"), max_length=20, required=False)
    city = forms.CharField(label=_("城市"), max_length=40, required=False)
    company = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    industry = forms.ChoiceField(
        label=_("行业"), required=False, choices=[("", "—")] + [(name, name) for name in INDUSTRIES]
    )

    def clean_phones(self) -> list[str]:
        phones = []
        for raw in _split(self.cleaned_data["phones"]):
            phone = normalize_phone(raw)
            if phone is None:
                raise forms.ValidationError(_("请输入正确的 11 位手机号：%(p)s"), params={"p": raw})
            if phone not in phones:
                phones.append(phone)
        if len(phones) > MAX_CONTACTS:
            raise forms.ValidationError(_("最多填写 3 个手机号"))
        return phones

    def clean_emails(self) -> list[str]:
        emails = []
        for raw in _split(self.cleaned_data["emails"]):
            try:
                validate_email(raw)
            except forms.ValidationError:
                raise forms.ValidationError(_("请输入正确的邮箱地址：%(e)s"), params={"e": raw}) from None
            if raw.lower() not in emails:
                emails.append(raw.lower())
        if len(emails) > MAX_CONTACTS:
            raise forms.ValidationError(_("最多填写 3 个邮箱"))
        return emails

    @classmethod
    def initial_for(cls, person) -> dict:
        return {
            "phones": " ".join(person.phones),
            "emails": " ".join(person.emails),
            **{
                name: getattr(person, name)
                for name in ("wechat_id", "province", "city", "company", "title", "industry")
            },
        }


class PrivacyForm(forms.Form):
    """One choice per field in PRIVACY_DEFAULTS."""

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PRIVACY_DEFAULTS:
            self.fields[name] = forms.ChoiceField(
                label=PRIVACY_LABELS.get(name, name),
                choices=Visibility.choices,
                initial=person.visibility_of(name),
            )


class DegreeForm(forms.Form):
    """A degree the alumnus reports (source: self)."""

    level = forms.ChoiceField(label=_("学历层次"), choices=DegreeLevel.choices, initial=DegreeLevel.MASTER)
    college = forms.ModelChoiceField(
        label=_("学院"), queryset=College.objects.filter(is_active=True), required=False, empty_label="—"
    )
    major_name = forms.CharField(label=_("专业"), max_length=80, required=False)
    class_name = forms.CharField(label=_("班级"), max_length=60, required=False)
    student_number = forms.CharField(label=_("学号"), max_length=30, required=False)
    enrollment_year = _year_field(_("入学年份"), required=True)
    graduation_year = _year_field(_("毕业年份"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _ask_for(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("enrollment_year"), data.get("graduation_year")
        if start and end and end < start:
            self.add_error("graduation_year", _("毕业年份不能早于入学年份"))
        return data
