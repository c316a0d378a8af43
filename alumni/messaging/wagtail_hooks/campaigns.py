"""邮件群发 in the back office: list, the wizard (recipients → template → content → preview and
test → schedule or send now with a throttle), progress while sending and the report.

School admins only; every write goes through alumni.messaging.services.campaigns.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from alumni.core.admin_menu import SchoolAdminMenuItem
from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.permissions import school_admin_required
from alumni.messaging.models import BUILTIN_TEMPLATES, EmailCampaign, EmailTemplate
from alumni.messaging.recipient_sources import recipient_source, recipient_sources
from alumni.messaging.selectors.campaigns import (
    available_placeholders,
    campaign_failed_recipients,
    campaign_renderer,
    campaign_sample_recipient,
    campaign_status_counts,
    campaign_unknown_placeholders,
    campaigns_list,
    email_templates_list,
)
from alumni.messaging.services.campaigns import (
    campaign_cancel,
    campaign_create,
    campaign_schedule,
    campaign_send_test,
    campaign_set_content,
    campaign_set_recipients,
    campaign_set_template,
    email_template_create,
)

register_audit_actions(
    {
        "messaging.campaign_create": _("新建邮件群发"),
        "messaging.campaign_recipients": _("设置群发收件人"),
        "messaging.campaign_start": _("开始邮件群发"),
        "messaging.campaign_schedule": _("定时邮件群发"),
        "messaging.campaign_cancel": _("取消邮件群发"),
        "messaging.email_template_create": _("新建邮件模板"),
    }
)

STEPS = [
    ("recipients", _("收件人")),
    ("template", _("模板")),
    ("content", _("内容")),
    ("preview", _("预览与测试")),
    ("schedule", _("发送")),
]
FAILED_SHOWN = 500


def _campaign(pk) -> EmailCampaign:
    return get_object_or_404(EmailCampaign.objects.select_related("custom_template"), pk=pk)


def _render(request, template, campaign, step, **context):
    return TemplateResponse(
        request,
        f"messaging/campaigns/{template}.html",
        {"campaign": campaign, "steps": STEPS, "step": step, "page_title": _("邮件群发"), **context},
    )


def _editable_or_report(campaign):
    if campaign.status not in (EmailCampaign.Status.DRAFT, EmailCampaign.Status.SCHEDULED):
        return redirect("messaging_campaigns:detail", campaign.pk)
    return None


@school_admin_required
def index_view(request):
    if request.method == "POST":
        campaign = campaign_create(actor=request.user, name=request.POST.get("name", ""))
        return redirect("messaging_campaigns:recipients", campaign.pk)
    return TemplateResponse(
        request,
        "messaging/campaigns/index.html",
        {"campaigns": campaigns_list()[:100], "page_title": _("邮件群发")},
    )


@school_admin_required
def recipients_view(request, pk):
    campaign = _campaign(pk)
    if response := _editable_or_report(campaign):
        return response
    key = request.POST.get("source") or request.GET.get("source") or campaign.source or "alumni"
    source = recipient_source(key)
    form = None
    if source.form:
        form = (
            source.form(request.POST or None, request.FILES or None)
            if request.method == "POST"
            else source.form()
        )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            counts = campaign_set_recipients(
                campaign=campaign,
                actor=request.user,
                source=key,
                params=source.params_from(form.cleaned_data if form else {}),
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "名单已生成：可发送 %(pending)s 人，地址无效 %(invalid)s 人，已退订 %(unsub)s 人，重复地址 %(dup)s 个"
                )
                % {
                    "pending": counts["pending"],
                    "invalid": counts["invalid"],
                    "unsub": counts["unsubscribed"],
                    "dup": counts["duplicates"],
                },
            )
            # Nobody to send to: stay here to change the selection; otherwise on to the template.
            next_step = "template" if counts["pending"] else "recipients"
            return redirect(f"messaging_campaigns:{next_step}", campaign.pk)
    return _render(
        request,
        "recipients",
        campaign,
        "recipients",
        sources=recipient_sources(),
        source=source,
        form=form,
        counts=campaign_status_counts(campaign) if campaign.source else None,
        bad_rows=campaign.source_params.get("bad_rows", [])[:200],
        invalid=campaign.recipients.filter(status="invalid")[:200],
    )


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("模板名称"), max_length=60)
    html = forms.CharField(label=_("HTML"), widget=forms.Textarea(attrs={"rows": 14}))


@school_admin_required
def template_view(request, pk):
    campaign = _campaign(pk)
    if response := _editable_or_report(campaign):
        return response
    form = TemplateForm(request.POST or None) if request.POST.get("action") == "create" else TemplateForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "create":
                if form.is_valid():
                    template = email_template_create(actor=request.user, **form.cleaned_data)
                    campaign_set_template(campaign=campaign, actor=request.user, custom_template=template)
                    return redirect("messaging_campaigns:content", campaign.pk)
            else:
                choice = request.POST.get("template", "")
                custom = None
                if choice.startswith("custom:"):
                    custom = get_object_or_404(EmailTemplate, pk=choice.split(":", 1)[1])
                campaign_set_template(
                    campaign=campaign, actor=request.user, builtin=choice, custom_template=custom
                )
                return redirect("messaging_campaigns:content", campaign.pk)
        except ServiceError as error:
            messages.error(request, error.message)
    return _render(
        request,
        "template",
        campaign,
        "template",
        builtins=[(key, label, help) for key, (label, help) in BUILTIN_TEMPLATES.items()],
        customs=email_templates_list(),
        form=form,
    )


@school_admin_required
def content_view(request, pk):
    campaign = _campaign(pk)
    if response := _editable_or_report(campaign):
        return response
    if request.method == "POST":
        try:
            unknown = campaign_set_content(
                campaign=campaign,
                actor=request.user,
                name=request.POST.get("name", ""),
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            if not unknown and request.POST.get("next"):
                return redirect("messaging_campaigns:preview", campaign.pk)
            if not unknown:
                messages.success(request, _("已保存"))
            return redirect("messaging_campaigns:content", campaign.pk)
    return _render(
        request,
        "content",
        campaign,
        "content",
        unknown=campaign_unknown_placeholders(campaign),
        placeholders=available_placeholders(campaign),
    )


@school_admin_required
def preview_view(request, pk):
    campaign = _campaign(pk)
    if response := _editable_or_report(campaign):
        return response
    try:
        index = max(0, int(request.GET.get("i", 0)))
    except ValueError:
        index = 0
    sample = campaign_sample_recipient(campaign, index=index)
    if request.method == "POST":
        try:
            log = campaign_send_test(campaign=campaign, actor=request.user, recipient=sample)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            if log.status in ("sent", "queued"):
                messages.success(request, _("测试邮件已发送到 %(email)s") % {"email": log.address})
            else:
                messages.error(
                    request, _("测试邮件未发出：%(error)s") % {"error": log.error or log.get_status_display()}
                )
        return redirect(reverse("messaging_campaigns:preview", args=[campaign.pk]) + f"?i={index}")
    subject, html, _text = campaign_renderer(campaign).render(sample.context if sample else {}, None)
    return _render(
        request,
        "preview",
        campaign,
        "preview",
        sample=sample,
        index=index,
        subject=subject,
        html=html,
        unknown=campaign_unknown_placeholders(campaign),
    )


@school_admin_required
def schedule_view(request, pk):
    campaign = _campaign(pk)
    if response := _editable_or_report(campaign):
        return response
    if request.method == "POST":
        try:
            throttle = int(request.POST.get("throttle_per_minute") or 0)
            when = None
            if request.POST.get("mode") == "later":
                raw = request.POST.get("scheduled_at", "")
                parsed = forms.DateTimeField().to_python(raw.replace("T", " "))
                if parsed is None:
                    raise ValueError
                when = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
            campaign_schedule(campaign=campaign, actor=request.user, when=when, throttle_per_minute=throttle)
        except (ValueError, forms.ValidationError):
            messages.error(request, _("请填写正确的时间和限速"))
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            return redirect("messaging_campaigns:detail", campaign.pk)
    return _render(request, "schedule", campaign, "schedule", counts=campaign_status_counts(campaign))


@school_admin_required
def detail_view(request, pk):
    campaign = _campaign(pk)
    failed = campaign_failed_recipients(campaign)
    return TemplateResponse(
        request,
        "messaging/campaigns/detail.html",
        {
            "campaign": campaign,
            "failed": failed[:FAILED_SHOWN],
            "failed_more": max(0, failed.count() - FAILED_SHOWN),
            "unsubscribed_here": campaign.recipients.filter(unsubscribed_at__isnull=False).count(),
            "status_url": reverse("messaging_campaigns:status", args=[campaign.pk]),
            "page_title": campaign.name,
        },
    )


@school_admin_required
def status_view(request, pk):
    campaign = _campaign(pk)
    return JsonResponse(
        {
            "status": campaign.status,
            "status_label": campaign.get_status_display(),
            "percent": campaign.progress_percent,
            "total": campaign.total,
            "done": campaign.done_count,
            "sent": campaign.sent_count,
            "failed": campaign.failed_count,
            "invalid": campaign.invalid_count,
            "unsubscribed": campaign.unsubscribed_count,
            "opened": campaign.opened_count,
        }
    )


@require_POST
@school_admin_required
def cancel_view(request, pk):
    try:
        campaign_cancel(campaign=_campaign(pk), actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("messaging_campaigns:detail", pk)


urlpatterns = [
    path("", index_view, name="index"),
    path("<int:pk>/recipients/", recipients_view, name="recipients"),
    path("<int:pk>/template/", template_view, name="template"),
    path("<int:pk>/content/", content_view, name="content"),
    path("<int:pk>/preview/", preview_view, name="preview"),
    path("<int:pk>/schedule/", schedule_view, name="schedule"),
    path("<int:pk>/", detail_view, name="detail"),
    path("<int:pk>/status.json", status_view, name="status"),
    path("<int:pk>/cancel/", cancel_view, name="cancel"),
]


@hooks.register("register_admin_urls")
def register_campaign_urls():
    return [path("messaging/campaigns/", include((urlpatterns, "messaging_campaigns")))]


@hooks.register("register_messaging_menu_item")
def register_campaign_menu_item():
    return SchoolAdminMenuItem(
        _("邮件群发"),
        reverse("messaging_campaigns:index"),
        icon_name="mail",
        name="email-campaigns",
        order=10,
    )
