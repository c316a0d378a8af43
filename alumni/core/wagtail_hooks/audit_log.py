"""The audit log in the back office: a read-only listing with filters, search and XLSX export.

Registered as a Wagtail viewset under 设置 → 操作日志. Nobody can add, edit or delete entries
from the admin: the permission policy grants at most ``view`` (superusers, or a group given
"Can view 操作日志").
"""

from __future__ import annotations

import json
from datetime import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.forms import CheckboxSelectMultiple
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, MultipleUserFilter, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from alumni.core.audit_actions import audit_action_choices, audit_action_label
from alumni.core.models import AuditEntry
from alumni.core.selectors import audit_actions_used, audit_actors, audit_entries


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Model permissions, but only ``view``: the log is written by services, never by hand."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


register_permission_policy(AuditEntry, ReadOnlyPolicy(AuditEntry))


class AuditEntryFilterSet(WagtailFilterSet):
    action = django_filters.MultipleChoiceFilter(label=_("操作"), widget=CheckboxSelectMultiple)
    actor = MultipleUserFilter(label=_("操作人"), widget=CheckboxSelectMultiple)
    created_at = django_filters.DateFromToRangeFilter(label=_("日期"), widget=DateRangePickerWidget)

    class Meta:
        model = AuditEntry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from what this school's log holds, so the filter never offers empty options.
        self.filters["action"].extra["choices"] = audit_action_choices(audit_actions_used())
        self.filters["actor"].extra["queryset"] = audit_actors()


def _pretty_json(value) -> str:
    return "" if value in (None, {}, []) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _local_naive(value: datetime) -> datetime:
    # Spreadsheets have no time zones: write the school's wall-clock time (Asia/Shanghai).
    return timezone.localtime(value).replace(tzinfo=None)


class AuditLogIndexView(IndexView):
    page_title = _("操作日志")
    header_icon = "history"
    search_fields = ["summary", "object_repr", "actor_label", "action", "object_id"]
    search_backend_name = None  # plain ILIKE: Chinese text has no word boundaries to index

    def get_base_queryset(self):
        return audit_entries()

    @property
    def columns(self):
        return [
            Column(
                "created_at",
                label=_("时间"),
                accessor=lambda entry: date_format(timezone.localtime(entry.created_at), "Y-m-d H:i:s"),
                sort_key="created_at",
                width="17%",
            ),
            Column("actor_label", label=_("操作人"), sort_key="actor_label", width="13%"),
            Column(
                "action",
                label=_("操作"),
                accessor=lambda entry: audit_action_label(entry.action),
                sort_key="action",
                width="11%",
            ),
            TitleColumn(
                "summary",
                label=_("摘要"),
                get_url=lambda entry: self.get_inspect_url(entry),
                accessor=lambda entry: entry.summary or entry.object_repr or "—",
            ),
            Column("ip_address", label=_("IP"), width="10%"),
        ]

    def get_filename(self):
        return f"audit-log-{timezone.localdate():%Y-%m-%d}"

    def to_row_dict(self, item):
        row = super().to_row_dict(item)
        row["action"] = audit_action_label(item.action)
        row["before"] = _pretty_json(item.before)
        row["after"] = _pretty_json(item.after)
        row["created_at"] = _local_naive(item.created_at)
        return row


class AuditEntryInspectView(InspectView):
    def get_action_display_value(self):
        return f"{audit_action_label(self.object.action)} ({self.object.action})"

    def _json_block(self, value):
        if value in (None, {}, []):
            return "—"
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html('<pre class="audit-json">{}</pre>', text)

    def get_before_display_value(self):
        return self._json_block(self.object.before)

    def get_after_display_value(self):
        return self._json_block(self.object.after)

    def get_actor_display_value(self):
        return self.object.actor_label or "—"


class AuditLogViewSet(ModelViewSet):
    model = AuditEntry
    name = "audit_log"
    url_prefix = "audit-log"
    icon = "history"
    menu_label = _("操作日志")
    menu_order = 50
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = AuditLogIndexView
    inspect_view_class = AuditEntryInspectView
    filterset_class = AuditEntryFilterSet
    ordering = ["-created_at", "-id"]
    list_per_page = 50
    inspect_view_fields = [
        "created_at",
        "actor",
        "action",
        "summary",
        "object_type",
        "object_id",
        "object_repr",
        "ip_address",
        "before",
        "after",
    ]
    list_export = [
        "created_at",
        "actor_label",
        "action",
        "summary",
        "object_type",
        "object_id",
        "object_repr",
        "ip_address",
        "before",
        "after",
    ]
    export_headings = {
        "created_at": _("时间"),
        "actor_label": _("操作人"),
        "action": _("操作"),
        "summary": _("摘要"),
        "object_type": _("对象类型"),
        "object_id": _("对象ID"),
        "object_repr": _("对象"),
        "ip_address": _("IP"),
        "before": _("修改前"),
        "after": _("修改后"),
    }

    def get_urlpatterns(self):
        # Read-only: only the listing (with its export) and the detail view exist.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        kwargs = super().get_common_view_kwargs(**kwargs)
        for missing in ("add", "edit", "delete", "history", "usage"):
            kwargs[f"{missing}_url_name"] = None
        return kwargs


audit_log_viewset = AuditLogViewSet()


@hooks.register("register_admin_viewset")
def register_audit_log_viewset():
    return audit_log_viewset
