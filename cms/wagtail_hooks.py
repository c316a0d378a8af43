"""The school website's contributions to the back-office dashboard: news count and review to-dos."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import TaskState

from alumni.core.stats import Stat, register_stat
from alumni.core.todos import TodoItem, register_todo
from cms.models import NewsIndexPage, NewsPage


@register_stat
def news_stats(request):
    index = NewsIndexPage.objects.order_by("path").only("pk").first()
    url = reverse("wagtailadmin_explore", args=[index.pk]) if index else ""
    return [Stat(_("已发布新闻"), NewsPage.objects.live().count(), "doc-full", url, 30)]


@register_todo
def pages_awaiting_review(request):
    # Pages (and snippets) submitted for moderation that this user may approve; Wagtail's own
    # "Awaiting your review" panel further down the dashboard lists them one by one.
    count = TaskState.objects.reviewable_by(request.user).count()
    return [TodoItem(_("待审核的内容"), count, reverse("wagtailadmin_home") + "#awaiting-review-section", 70)]
