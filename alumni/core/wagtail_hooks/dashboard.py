"""The school admin's dashboard: headline numbers, to-dos and the latest audit entries.

Numbers and to-dos come from the registries in ``alumni.core.stats`` and ``alumni.core.todos``,
which later features feed from their own ``wagtail_hooks.py``. Everything is read in the current
school's schema, so a school only ever sees its own numbers.
"""

from __future__ import annotations

from django.forms import Media
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.navigation import get_site_for_user
from wagtail.admin.ui.components import Component
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry

from alumni.core.audit_actions import audit_action_label
from alumni.core.models import AuditEntry
from alumni.core.selectors import audit_recent, content_counts, user_counts
from alumni.core.stats import Stat, dashboard_stats, register_stat
from alumni.core.todos import todo_items

RECENT_AUDIT_LIMIT = 10


class _Panel(Component):
    def __init__(self, request):
        self.request = request

    @property
    def media(self):
        return Media(css={"all": ["core/dashboard.css"]})


class StatsPanel(_Panel):
    name = "school_stats"
    order = 10
    template_name = "core/dashboard/stats.html"

    def get_context_data(self, parent_context=None):
        return {"stats": dashboard_stats(self.request)}


class TodoPanel(_Panel):
    name = "school_todos"
    order = 20
    template_name = "core/dashboard/todos.html"

    def get_context_data(self, parent_context=None):
        return {"items": todo_items(self.request)}


class RecentAuditPanel(_Panel):
    name = "recent_audit"
    order = 30
    template_name = "core/dashboard/recent_audit.html"

    def render_html(self, parent_context=None):
        if not policy_registry.get_by_type(AuditEntry).user_has_permission(self.request.user, "view"):
            return ""
        return super().render_html(parent_context)

    def get_context_data(self, parent_context=None):
        entries = list(audit_recent(limit=RECENT_AUDIT_LIMIT))
        for entry in entries:
            entry.action_label = audit_action_label(entry.action)
        return {"entries": entries, "audit_log_url": reverse("audit_log:index")}


@hooks.register("construct_homepage_panels")
def add_school_panels(request, panels):
    panels[:0] = [StatsPanel(request), TodoPanel(request), RecentAuditPanel(request)]


@hooks.register("construct_homepage_summary_items", order=1000)
def drop_site_summary(request, items):
    # Pages, images and documents are counted in StatsPanel next to the school's own numbers;
    # Wagtail's one-line summary would repeat them.
    items.clear()


def _url_if(allowed: bool, url_name: str, *args, query: str = "") -> str:
    """The listing's URL when the user may open it, else '' (the card is then not a link)."""
    if not allowed:
        return ""
    return reverse(url_name, args=args) + (f"?{query}" if query else "")


def _can_manage(user, model) -> bool:
    return policy_registry.get_by_type(model).user_has_any_permission(user, ["add", "change", "delete"])


@register_stat
def people_stats(request):
    counts = user_counts()
    may_list = request.user.has_perm("users.change_user")
    alumni_url = _url_if(may_list, "wagtailusers_users:index", query="is_superuser=false&is_active=true")
    admins_url = _url_if(may_list, "wagtailusers_users:index", query="is_superuser=true")
    return [
        Stat(_("校友账号"), counts["alumni"], "group", alumni_url, 10),
        Stat(_("管理员"), counts["admins"], "user", admins_url, 20),
    ]


@register_stat
def content_stats(request):
    counts = content_counts()
    user = request.user
    root = get_site_for_user(user)["root_page"]
    pages_url = _url_if(root is not None, "wagtailadmin_explore", getattr(root, "pk", None))
    images_url = _url_if(_can_manage(user, get_image_model()), "wagtailimages:index")
    documents_url = _url_if(_can_manage(user, get_document_model()), "wagtaildocs:index")
    return [
        Stat(_("页面"), counts["pages"], "doc-empty-inverse", pages_url, 40),
        Stat(_("图片"), counts["images"], "image", images_url, 50),
        Stat(_("文档"), counts["documents"], "doc-full-inverse", documents_url, 60),
    ]
