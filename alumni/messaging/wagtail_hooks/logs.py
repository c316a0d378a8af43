"""消息 → 发送记录 at /admin/messaging/logs/: every attempt to reach someone, read-only.

Filters by channel, status, purpose and date; search by address or name; XLSX/CSV export of the
filtered list. School admins only (the log holds phone numbers and e-mail addresses).
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet

from alumni.core.admin_menu import SchoolAdminMenuItem
from alumni.core.permissions import is_school_admin
from alumni.messaging.models import Channel, MessageLog
from alumni.messaging.selectors.logs import message_log_purposes, message_logs


class AdminOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not is_school_admin(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class MessageLogFilterSet(WagtailFilterSet):
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=MessageLog.Status.choices)
    purpose = django_filters.ChoiceFilter(label=_("用途"))
    created_at = django_filters.DateFromToRangeFilter(label=_("创建日期"), widget=DateRangePickerWidget)

    class Meta:
        model = MessageLog
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["purpose"].extra["choices"] = [(p, p) for p in message_log_purposes()]


class MessageLogIndexView(AdminOnlyMixin, IndexView):
    page_title = _("发送记录")
    header_icon = "mail"
    search_fields = ["address", "name"]  # enables the search box; the search is message_logs(query=)
    export_filename = "send-log"
    list_export = [
        "created_at",
        "get_channel_display",
        "purpose",
        "get_status_display",
        "name",
        "address",
        "subject",
        "error",
        "attempts",
        "sent_at",
        "provider_message_id",
    ]
    export_headings = {
        "created_at": _("创建时间"),
        "get_channel_display": _("渠道"),
        "purpose": _("用途"),
        "get_status_display": _("状态"),
        "name": _("收件人"),
        "address": _("地址"),
        "subject": _("标题"),
        "error": _("原因"),
        "attempts": _("尝试次数"),
        "sent_at": _("发送时间"),
        "provider_message_id": _("服务商消息ID"),
    }

    def get_base_queryset(self):
        return message_logs()

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return queryset.filter(pk__in=message_logs(query=self.search_query).values("pk"))

    @property
    def columns(self):
        return [
            TitleColumn(
                "name",
                label=_("收件人"),
                get_url=lambda log: reverse("messaging_logs:inspect", args=[log.pk]),
                accessor=lambda log: log.name or log.address or "—",
            ),
            Column("address", label=_("地址")),
            Column("channel", label=_("渠道"), accessor="get_channel_display"),
            Column("purpose", label=_("用途")),
            Column("status", label=_("状态"), accessor="get_status_display"),
            Column("error", label=_("原因")),
            DateColumn("created_at", label=_("创建时间")),
        ]


class MessageLogInspectView(AdminOnlyMixin, InspectView):
    pass


class MessageLogViewSet(ModelViewSet):
    model = MessageLog
    name = "messaging_logs"
    url_prefix = "messaging/logs"
    icon = "mail"
    menu_label = _("发送记录")
    add_to_admin_menu = False
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = MessageLogIndexView
    inspect_view_class = MessageLogInspectView
    filterset_class = MessageLogFilterSet
    list_per_page = 50
    form_fields = ["status"]  # required by ModelViewSet; no edit view is routed
    inspect_view_fields = [
        "created_at",
        "channel",
        "purpose",
        "status",
        "error",
        "name",
        "address",
        "subject",
        "body",
        "attempts",
        "sent_at",
        "opened_at",
        "provider_message_id",
        "campaign_type",
        "campaign_id",
        "idempotency_key",
    ]

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        for missing in ("add", "edit", "delete", "history", "usage", "copy"):
            kwargs[f"{missing}_url_name"] = None
        return kwargs


message_log_viewset = MessageLogViewSet()


@hooks.register("register_admin_viewset")
def register_message_log_viewset():
    return message_log_viewset


@hooks.register("register_messaging_menu_item")
def register_message_log_menu_item():
    return SchoolAdminMenuItem(
        _("发送记录"), reverse("messaging_logs:index"), icon_name="list-ul", name="messaging-logs", order=50
    )
