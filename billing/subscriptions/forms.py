"""Operator forms of the plans console: change a school's plan, extend its trial."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.subscriptions.models import Plan


class PlanChangeForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("套餐"), queryset=Plan.objects.filter(active=True), to_field_name="code", empty_label=None
    )
    paid_until = forms.DateField(
        label=_("付费截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("线下付款时填写；留空则从今天起一年（演示学校不设截止）。"),
    )


class TrialExtendForm(forms.Form):
    days = forms.IntegerField(label=_("延长天数"), min_value=1, max_value=366, initial=14)
