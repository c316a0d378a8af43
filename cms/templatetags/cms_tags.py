"""Links from any H5 page (including non-Wagtail ones) to the school's news section."""

from __future__ import annotations

from django import template
from django.db import connection
from django_tenants.utils import get_public_schema_name

from cms.models import NewsIndexPage

register = template.Library()


@register.simple_tag(takes_context=True)
def news_index_url(context) -> str:
    """URL of the school's news section ("" when it has none), for the 动态 tab and "更多" links."""
    if connection.schema_name == get_public_schema_name():
        return ""  # the platform domain has no school website
    index = NewsIndexPage.objects.live().order_by("path").first()
    if index is None:
        return ""
    return index.get_url(context.get("request")) or ""
