"""设置 → 学校信息: the school admin edits the school's name, short name, logo and colour.

The School row lives in the public schema; changes go through ``school_profile_save`` so they
land in both the platform's operator log and the school's own audit log.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.db import connection
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from alumni.core.admin_menu import SchoolAdminMenuItem
from alumni.core.audit_actions import register_audit_actions
from alumni.core.permissions import school_admin_required
from alumni.core.services import school_profile_save

register_audit_actions({"school.profile_update": _("修改学校信息")})

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_LOGO_BYTES = 2 * 1024 * 1024


class SchoolProfileForm(forms.Form):
    name = forms.CharField(label=_("学校名称"), max_length=100)
    short_name = forms.CharField(label=_("简称"), max_length=30)
    primary_color = forms.CharField(
        label=_("主题色"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("后台与 H5 页面的主色调"),
    )
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    admin_email = forms.EmailField(label=_("联系邮箱"), required=False)
    logo = forms.ImageField(label=_("校徽"), required=False, help_text=_("PNG/JPG，不超过 2 MB，建议正方形"))
    clear_logo = forms.BooleanField(label=_("删除现有校徽"), required=False)

    def clean_primary_color(self):
        value = self.cleaned_data["primary_color"]
        if not _COLOUR.match(value):
            raise forms.ValidationError(_("请填写形如 #8b1a1a 的颜色值"))
        return value.lower()

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("校徽图片不能超过 2 MB"))
        return logo


@school_admin_required
def school_profile_view(request):
    school = connection.tenant
    # The logo is not an initial value: a FileField hands an unchanged initial file back as if uploaded.
    initial = {
        name: getattr(school, name)
        for name in SchoolProfileForm.base_fields
        if name != "logo" and hasattr(school, name)
    }
    form = SchoolProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        logo, clear_logo = data.pop("logo"), data.pop("clear_logo")
        school_profile_save(school=school, actor=request.user, logo=logo, clear_logo=clear_logo, **data)
        messages.success(request, _("学校信息已保存"))
        return redirect("core_school_profile")
    return TemplateResponse(
        request, "core/school_profile.html", {"form": form, "school": school, "page_title": _("学校信息")}
    )


@hooks.register("register_admin_urls")
def register_school_profile_url():
    return [path("school-profile/", school_profile_view, name="core_school_profile")]


@hooks.register("register_settings_menu_item")
def register_school_profile_menu_item():
    return SchoolAdminMenuItem(_("学校信息"), reverse("core_school_profile"), icon_name="home", order=10)
