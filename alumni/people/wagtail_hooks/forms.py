"""Forms of the people back office: a person with its degrees, and the claim review actions."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from alumni.people.choices import INDUSTRIES, CustomFieldType, DegreeLevel, Gender, Verification
from alumni.people.models import AlumniGroup, College, CustomFieldDefinition, Major

_SPLIT = re.compile(r"[\s,，;；、]+")


def split_list(value: str) -> list[str]:
    return list(dict.fromkeys(part for part in _SPLIT.split(value or "") if part))


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    birth_date = forms.DateField(
        label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    id_number = forms.CharField(
        label=_("身份证号"), max_length=20, required=False, help_text=_("留空则保持不变；仅有权限者可见全文")
    )
    phones = forms.CharField(label=_("手机号"), required=False, help_text=_("多个号码用逗号或空格分隔"))
    emails = forms.CharField(label=_("邮箱"), required=False, help_text=_("多个邮箱用逗号或空格分隔"))
    wechat_id = forms.CharField(label=_("微信号"), max_length=40, required=False)
    province = forms.CharField(label=_("省份"), max_length=20, required=False)
    city = forms.CharField(label=_("城市"), max_length=40, required=False)
    company = forms.CharField(label=_("工作单位"), max_length=120, required=False)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    industry = forms.ChoiceField(
        label=_("行业"), choices=[("", "—")] + [(i, i) for i in INDUSTRIES], required=False
    )
    tags = forms.CharField(label=_("标签"), required=False, help_text=_("多个标签用逗号分隔"))
    groups = forms.ModelMultipleChoiceField(
        label=_("分组"),
        queryset=AlumniGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_vip = forms.BooleanField(label=_("重要校友"), required=False)
    verification = forms.ChoiceField(label=_("认证状态"), choices=Verification.choices)
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The school's own extra fields, one form field each (stored under custom_fields).
        self.custom_definitions = list(CustomFieldDefinition.objects.filter(is_active=True))
        for definition in self.custom_definitions:
            self.fields[f"cf_{definition.key}"] = _custom_field(definition)

    def clean_phones(self):
        phones = split_list(self.cleaned_data["phones"])
        for phone in phones:
            if not re.fullmatch(r"\+?\d{5,20}", phone):
                raise forms.ValidationError(_("手机号格式有误：%(p)s") % {"p": phone})
        return phones

    def clean_emails(self):
        emails = split_list(self.cleaned_data["emails"])
        for email in emails:
            forms.EmailField().clean(email)
        return emails

    def clean_tags(self):
        return split_list(self.cleaned_data["tags"])

    def service_fields(self, *, existing_custom: dict | None = None) -> dict:
        """The cleaned data as person_create / person_update keyword arguments."""
        data = dict(self.cleaned_data)
        data.pop("groups")
        custom = dict(existing_custom or {})
        for definition in self.custom_definitions:
            value = data.pop(f"cf_{definition.key}")
            if isinstance(value, date):
                value = value.isoformat()
            if value in (None, ""):
                custom.pop(definition.key, None)
            else:
                custom[definition.key] = value
        data["custom_fields"] = custom
        if not data["id_number"]:
            data.pop("id_number")
        return data


def _custom_field(definition: CustomFieldDefinition) -> forms.Field:
    kwargs = {"label": definition.label, "required": definition.required}
    if definition.field_type == CustomFieldType.NUMBER:
        return forms.DecimalField(**kwargs)
    if definition.field_type == CustomFieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)
    if definition.field_type == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in definition.choices], **kwargs)
    return forms.CharField(max_length=200, **kwargs)


class MajorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.college.name} · {obj.name}"


class DegreeForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    level = forms.ChoiceField(label=_("学历层次"), choices=DegreeLevel.choices)
    college = forms.ModelChoiceField(label=_("学院"), queryset=College.objects.all(), required=False)
    major = MajorChoiceField(
        label=_("专业"), queryset=Major.objects.select_related("college"), required=False
    )
    class_name = forms.CharField(label=_("班级"), max_length=60, required=False)
    student_number = forms.CharField(label=_("学号"), max_length=30, required=False)
    enrollment_year = forms.IntegerField(label=_("入学年份"), min_value=1900, max_value=2100, required=False)
    graduation_year = forms.IntegerField(label=_("毕业年份"), min_value=1900, max_value=2100, required=False)

    def clean(self):
        data = super().clean()
        major, college = data.get("major"), data.get("college")
        if major and college and major.college_id != college.pk:
            raise forms.ValidationError(_("所选专业不属于所选学院"))
        if major and not college:
            data["college"] = major.college
        start, end = data.get("enrollment_year"), data.get("graduation_year")
        if start and end and end < start:
            self.add_error("graduation_year", _("毕业年份早于入学年份"))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("id", None)
        data.pop("DELETE", None)
        return data


DegreeFormSet = formset_factory(DegreeForm, extra=1, can_delete=True)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200, help_text=_("校友会在认证页面看到这段说明"))
