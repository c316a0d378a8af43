"""消息 → 校友邀请 at /admin/messaging/invites/: the list of invitations with status filters,
inviting one alumnus or a whole uploaded list to register (SMS / e-mail / WeChat), revoking and
resending. School admins only; every write goes through alumni.messaging.services.invites, which
records it in the audit log."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from alumni.core.admin_menu import SchoolAdminMenuItem
from alumni.core.audit_actions import register_audit_actions
from alumni.core.errors import ServiceError
from alumni.core.permissions import is_school_admin
from alumni.messaging.invite_sheet import SheetInvalid, invite_rows_read
from alumni.messaging.models import Channel, Invitation, InvitationStatus
from alumni.messaging.selectors.invites import invite_status_counts, invites_filtered
from alumni.messaging.services.invites import (
    DEFAULT_EXPIRY,
    INVITE_CHANNELS,
    invite_create,
    invite_describe,
    invite_purposes,
    invite_resend,
    invite_revoke,
    invites_create_bulk,
)

register_audit_actions(
    {
        "invite.create": _("发送邀请"),
        "invite.resend": _("重新发送邀请"),
        "invite.revoke": _("撤销邀请"),
        "invite.accept": _("接受邀请"),
    }
)

PER_PAGE = 30
CHANNEL_CHOICES = [(c.value, c.label) for c in INVITE_CHANNELS]


def _require(request):
    if not is_school_admin(request.user):
        raise PermissionDenied


class ExpiryMixin(forms.Form):
    expires_days = forms.IntegerField(
        label=_("有效天数"),
        min_value=1,
        max_value=90,
        initial=DEFAULT_EXPIRY.days,
        help_text=_("链接在这些天后失效；每个链接只能使用一次。"),
    )
    channel = forms.ChoiceField(label=_("发送渠道"), choices=CHANNEL_CHOICES, initial=Channel.SMS)


class InviteForm(ExpiryMixin):
    name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    email = forms.CharField(label=_("邮箱"), max_length=254, required=False)
    openid = forms.CharField(
        label=_("微信 openid"),
        max_length=64,
        required=False,
        help_text=_("仅在通过微信发送时需要（公众号 openid）。"),
    )
    field_order = ["name", "channel", "phone", "email", "openid", "expires_days"]


class UploadForm(ExpiryMixin):
    file = forms.FileField(
        label=_("名单文件"),
        help_text=_(
            "Excel（.xlsx）或 CSV，第一行为表头：姓名、手机号、邮箱（通过微信发送时加一列 openid）。"
        ),
    )
    field_order = ["file", "channel", "expires_days"]


def invites_view(request):
    _require(request)
    status = request.GET.get("status", "")
    query = (request.GET.get("q") or "").strip()
    page = Paginator(invites_filtered(status=status, query=query), PER_PAGE).get_page(request.GET.get("p"))
    for invitation in page.object_list:
        invitation.what = invite_describe(invitation)
    counts = invite_status_counts()
    tabs = [("", _("全部"), sum(counts.values()))] + [
        (s.value, s.label, counts[s.value]) for s in InvitationStatus
    ]
    return TemplateResponse(
        request,
        "messaging/invites/admin/list.html",
        {
            "page_title": _("校友邀请"),
            "header_icon": "mail",
            "page": page,
            "tabs": tabs,
            "status": status,
            "query": query,
            "purposes": dict(invite_purposes()),
        },
    )


def invite_new_view(request):
    _require(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        address = {Channel.SMS: data["phone"], Channel.EMAIL: data["email"]}.get(
            data["channel"], data["openid"]
        )
        try:
            invitation, _url = invite_create(
                purpose="register",
                payload={k: data[k] for k in ("phone", "email") if data[k]},
                name=data["name"],
                channel=data["channel"],
                address=address,
                expires_in=timedelta(days=data["expires_days"]),
                actor=request.user,
            )
        except ServiceError as exc:
            field = {"address": {"sms": "phone", "email": "email"}.get(data["channel"], "openid")}.get(
                exc.field, exc.field
            )
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("已通过%(channel)s邀请「%(name)s」注册。")
                % {"channel": invitation.get_channel_display(), "name": invitation.name},
            )
            return redirect("messaging_invites")
    return TemplateResponse(
        request,
        "messaging/invites/admin/form.html",
        {"page_title": _("邀请校友注册"), "header_icon": "mail", "form": form, "multipart": False},
    )


def invite_upload_view(request):
    _require(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            rows = invite_rows_read(upload, upload.name)
        except SheetInvalid as exc:
            form.add_error("file", str(exc))
        else:
            result = invites_create_bulk(
                rows=rows,
                channel=data["channel"],
                expires_in=timedelta(days=data["expires_days"]),
                actor=request.user,
            )
            if result.created:
                messages.success(request, _("已发出 %(n)s 份注册邀请。") % {"n": len(result.created)})
            if not result.skipped:
                return redirect("messaging_invites")
    return TemplateResponse(
        request,
        "messaging/invites/admin/form.html",
        {
            "page_title": _("批量邀请校友注册"),
            "header_icon": "upload",
            "form": form,
            "multipart": True,
            "result": result,
        },
    )


def _act(request, pk: int, action):
    _require(request)
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        message = action(invitation)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect(request.POST.get("next") or reverse("messaging_invites"))


@require_POST
def invite_revoke_view(request, pk: int):
    def action(invitation):
        invite_revoke(invitation=invitation, actor=request.user)
        return _("已撤销对「%(name)s」的邀请，链接已失效。") % {"name": invitation.name}

    return _act(request, pk, action)


@require_POST
def invite_resend_view(request, pk: int):
    def action(invitation):
        invitation, _url = invite_resend(invitation=invitation, actor=request.user)
        return _("已重新发送邀请给「%(name)s」，旧链接已失效，新链接有效期至 %(when)s。") % {
            "name": invitation.name,
            "when": invitation.expires_at.strftime("%Y-%m-%d %H:%M"),
        }

    return _act(request, pk, action)


@hooks.register("register_admin_urls")
def register_invite_urls():
    return [
        path("messaging/invites/", invites_view, name="messaging_invites"),
        path("messaging/invites/new/", invite_new_view, name="messaging_invite_new"),
        path("messaging/invites/upload/", invite_upload_view, name="messaging_invite_upload"),
        path("messaging/invites/<int:pk>/revoke/", invite_revoke_view, name="messaging_invite_revoke"),
        path("messaging/invites/<int:pk>/resend/", invite_resend_view, name="messaging_invite_resend"),
    ]


@hooks.register("register_messaging_menu_item")
def register_invites_menu_item():
    return SchoolAdminMenuItem(
        _("校友邀请"), reverse("messaging_invites"), icon_name="user", name="messaging-invites", order=40
    )
