"""消息 → 短信群发 and 生日祝福 (/admin/messaging/sms/, /admin/messaging/birthdays/).

短信群发: choose recipients (any registered recipient source — alumni filters, an uploaded list,
a chapter … — with its own form, as in the e-mail wizard), write the text with placeholders
(the 【signature】 is the school's approved sign name), create a draft whose preview shows the
exact recipients, characters and billed segments against this year's quota; send now (refused
before anything leaves when the quota cannot cover it), schedule, watch progress, read the report.
生日祝福: on/off, text, channel and time of day; who has a birthday today and in the next 7 days;
greetings sent this year. School admins only; every write goes through the services.
"""

from __future__ import annotations

from datetime import time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from alumni.core.admin_menu import SchoolAdminMenuItem
from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.permissions import is_school_admin
from alumni.core.pii import mask_phone
from alumni.core.stats import Stat, register_stat
from alumni.messaging.models import BirthdayChannel, SmsCampaign
from alumni.messaging.placeholders import STANDARD_PLACEHOLDERS
from alumni.messaging.recipient_sources import recipient_source, recipient_sources, source_form
from alumni.messaging.selectors import sms as selectors
from alumni.messaging.services.birthdays import birthday_preview, birthday_settings_update
from alumni.messaging.services.sms_campaigns import (
    sms_campaign_cancel,
    sms_campaign_create,
    sms_campaign_start,
)
from alumni.messaging.sms_length import PART_LIMIT, SINGLE_LIMIT

register_audit_actions(
    {
        "messaging.sms_campaign_create": _("创建短信群发"),
        "messaging.sms_campaign_send": _("发送短信群发"),
        "messaging.sms_campaign_schedule": _("预约短信群发"),
        "messaging.sms_campaign_cancel": _("取消短信群发"),
        "messaging.birthday_settings": _("修改生日祝福设置"),
    }
)

PROBLEMS_SHOWN = 200
SOURCE_PREFIX = "r"  # the source form's fields beside 群发名称/短信内容, never clashing


def _require(request):
    if not is_school_admin(request.user):
        raise PermissionDenied


def _quota_context() -> dict:
    quota = selectors.sms_quota()
    percent = min(100, round(quota.used * 100 / quota.quota)) if quota.quota else 100
    return {"quota": quota, "quota_percent": percent}


# --- forms --------------------------------------------------------------------------------------


class SmsCampaignForm(forms.Form):
    title = forms.CharField(label=_("群发名称"), max_length=100, help_text=_("仅后台可见，如：2026 校庆通知"))
    text = forms.CharField(
        label=_("短信内容"),
        widget=forms.Textarea(attrs={"rows": 5, "data-sms-text": "1"}),
        help_text=_("可用占位符：") + "、".join("{{" + name + "}}" for name in STANDARD_PLACEHOLDERS),
    )
    sms_template = forms.CharField(
        label=_("服务商模板编号"),
        max_length=40,
        required=False,
        help_text=_("使用阿里云/腾讯云时填写审核通过的模板编号（模板变量 name、content）；开发调试可留空"),
    )


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=_("预约发送时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at <= timezone.now():
            raise forms.ValidationError(_("预约时间应晚于现在"))
        return at


class BirthdaySettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("启用生日祝福"), required=False)
    channel = forms.ChoiceField(
        label=_("发送方式"), choices=BirthdayChannel.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("祝福内容"),
        widget=forms.Textarea(attrs={"rows": 4, "data-sms-text": "1"}),
        help_text=_("可用占位符：") + "、".join("{{" + name + "}}" for name in STANDARD_PLACEHOLDERS),
    )
    send_time = forms.TypedChoiceField(
        label=_("发送时间"),
        choices=[(f"{h:02d}:00", f"{h:02d}:00") for h in range(7, 22)],
        coerce=lambda value: time.fromisoformat(value),
        help_text=_("每天在此时间（或之后最近的一次整点检查）发送当天的生日祝福"),
    )
    sms_template = forms.CharField(
        label=_("短信模板编号"),
        max_length=40,
        required=False,
        help_text=_("阿里云/腾讯云审核通过的生日模板（变量 name）"),
    )
    wechat_template_id = forms.CharField(
        label=_("微信模板ID"),
        max_length=64,
        required=False,
        help_text=_("填写后，绑定了公众号的校友同时收到微信模板消息"),
    )


# --- 短信群发 -----------------------------------------------------------------------------------


def campaigns_view(request):
    _require(request)
    page = Paginator(selectors.sms_campaigns(), 30).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "messaging/sms/campaigns.html",
        {"page_title": _("短信群发"), "header_icon": "mail", "page": page, **_quota_context()},
    )


def campaign_new_view(request):
    _require(request)
    signature = selectors.sms_signature()
    form = SmsCampaignForm(request.POST or None)
    # Recipients: every registered source with its own form, exactly as in the e-mail wizard.
    key = request.POST.get("source") or request.GET.get("source") or "alumni"
    try:
        source = recipient_source(key)
    except ServiceError:
        source = recipient_source("alumni")
    source_form_ = source_form(source, request, prefix=SOURCE_PREFIX)
    if request.method == "POST" and form.is_valid() and (source_form_ is None or source_form_.is_valid()):
        data = form.cleaned_data
        try:
            campaign = sms_campaign_create(
                actor=request.user,
                title=data["title"],
                signature=signature,
                text=data["text"],
                sms_template=data["sms_template"],
                source=source.key,
                params=source.params_from(source_form_.cleaned_data if source_form_ else {}),
            )
        except ServiceError as error:
            if error.field in form.fields:
                form.add_error(error.field, error.message)
            elif source_form_ is not None and error.field in source_form_.fields:
                source_form_.add_error(error.field, error.message)
            else:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("已生成预览，请核对人数和计费条数后发送"))
            return redirect("messaging_sms_campaign", campaign.pk)
    return TemplateResponse(
        request,
        "messaging/sms/new.html",
        {
            "page_title": _("新建短信群发"),
            "header_icon": "mail",
            "form": form,
            "sources": recipient_sources(),
            "source": source,
            "source_form": source_form_,
            "signature": signature,
            "single_limit": SINGLE_LIMIT,
            "part_limit": PART_LIMIT,
            **_quota_context(),
        },
    )


def campaign_view(request, pk: int):
    _require(request)
    campaign = get_object_or_404(SmsCampaign, pk=pk)
    progress = selectors.sms_campaign_progress(campaign)
    context = _quota_context()
    return TemplateResponse(
        request,
        "messaging/sms/campaign.html",
        {
            "page_title": campaign.title,
            "header_icon": "mail",
            "campaign": campaign,
            "progress": progress,
            "samples": selectors.sms_campaign_samples(campaign),
            "problems": selectors.sms_campaign_problems(campaign, PROBLEMS_SHOWN),
            "problems_shown": PROBLEMS_SHOWN,
            "over_quota": campaign.status == SmsCampaign.Status.DRAFT
            and campaign.segments_total > context["quota"].remaining,
            "schedule_form": ScheduleForm(),
            "refresh": campaign.status in (SmsCampaign.Status.SENDING, SmsCampaign.Status.SCHEDULED),
            **context,
        },
    )


@require_POST
def campaign_send_view(request, pk: int):
    _require(request)
    campaign = get_object_or_404(SmsCampaign, pk=pk)
    at = None
    if request.POST.get("mode") == "schedule":
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return redirect("messaging_sms_campaign", campaign.pk)
        at = form.cleaned_data["at"]
    try:
        campaign = sms_campaign_start(actor=request.user, campaign_id=campaign.pk, at=at)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if at:
            messages.success(
                request,
                _("已预约，将在 %(at)s 发送") % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")},
            )
        else:
            messages.success(request, _("已开始发送"))
    return redirect("messaging_sms_campaign", campaign.pk)


@require_POST
def campaign_cancel_view(request, pk: int):
    _require(request)
    campaign = get_object_or_404(SmsCampaign, pk=pk)
    try:
        sms_campaign_cancel(actor=request.user, campaign_id=campaign.pk)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已取消"))
    return redirect("messaging_sms_campaign", campaign.pk)


# --- 生日祝福 -----------------------------------------------------------------------------------


def birthdays_view(request):
    _require(request)
    current = selectors.birthday_settings()
    initial = {
        "enabled": current.enabled,
        "channel": current.channel,
        "text": current.text,
        "send_time": current.send_time.strftime("%H:00"),
        "sms_template": current.sms_template,
        "wechat_template_id": current.wechat_template_id,
    }
    form = BirthdaySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            birthday_settings_update(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("生日祝福设置已保存"))
            return redirect("messaging_birthdays")
    today = timezone.localdate()
    upcoming = selectors.birthdays_upcoming(start=today, days=8, channel=current.channel)
    first = next((row.person for _day, rows in upcoming for row in rows), None)
    greetings = Paginator(selectors.birthday_greetings(today.year), 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "messaging/sms/birthdays.html",
        {
            "page_title": _("生日祝福"),
            "header_icon": "date",
            "form": form,
            "settings": current,
            "sample": birthday_preview(current, first),
            "signature": selectors.sms_signature(),
            "sample_person": first,
            "upcoming": [
                (day, [(row, mask_phone((row.person.phones or [""])[0])) for row in rows])
                for day, rows in upcoming
            ],
            "upcoming_count": sum(len(rows) for _day, rows in upcoming),
            "today": today,
            "greetings": greetings,
            "year": today.year,
            "is_sms": current.channel == BirthdayChannel.SMS,
            **_quota_context(),
        },
    )


# --- registration -------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_sms_urls():
    return [
        path("messaging/sms/", campaigns_view, name="messaging_sms"),
        path("messaging/sms/new/", campaign_new_view, name="messaging_sms_new"),
        path("messaging/sms/<int:pk>/", campaign_view, name="messaging_sms_campaign"),
        path("messaging/sms/<int:pk>/send/", campaign_send_view, name="messaging_sms_send"),
        path("messaging/sms/<int:pk>/cancel/", campaign_cancel_view, name="messaging_sms_cancel"),
        path("messaging/birthdays/", birthdays_view, name="messaging_birthdays"),
    ]


@hooks.register("register_messaging_menu_item")
def register_sms_menu_item():
    return SchoolAdminMenuItem(
        _("短信群发"), reverse("messaging_sms"), icon_name="mail", name="messaging-sms", order=20
    )


@hooks.register("register_messaging_menu_item")
def register_birthdays_menu_item():
    return SchoolAdminMenuItem(
        _("生日祝福"), reverse("messaging_birthdays"), icon_name="date", name="messaging-birthdays", order=30
    )


@register_stat
def sms_stats(request):
    quota = selectors.sms_quota()
    url = reverse("messaging_sms") if is_school_admin(request.user) else ""
    # The used count is the number; the label carries this year's quota (remaining = quota - used).
    label = _("短信已用 / 本年额度 %(quota)s") % {"quota": f"{quota.quota:,}"}
    return [Stat(label, quota.used, "mail", url, 60)]
