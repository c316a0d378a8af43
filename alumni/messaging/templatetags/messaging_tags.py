"""Template tags: the unread-notice badge for 我的消息.

{% load messaging_tags %}{% unread_notice_count as unread %}{% if unread %}…{{ unread }}…{% endif %}
"""

from __future__ import annotations

from django import template
from django.db import connection
from django_tenants.utils import get_public_schema_name

from alumni.messaging.selectors.logs import notice_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context) -> int:
    """The signed-in user's unread notices (0 for visitors and outside a school's schema)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    # The platform host (public schema) has no notices table.
    if connection.schema_name == get_public_schema_name():
        return 0
    return notice_unread_count(user)
