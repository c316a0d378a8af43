"""Put the current school (or None on the platform domain) and links to the platform into every template."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.functional import lazy

from tenants.models import School
from tenants.services import platform_url


def _platform_link(name: str) -> str:
    # Reversed against the platform's urlconf, so pages on a school's host can link back to it.
    return platform_url(reverse(name, urlconf=settings.PUBLIC_SCHEMA_URLCONF))


_lazy_link = lazy(_platform_link, str)


def school(request):
    tenant = getattr(request, "tenant", None)
    return {
        "school": tenant if isinstance(tenant, School) else None,
        "platform_domain": settings.PLATFORM_DOMAIN,
        "platform_home_url": _lazy_link("landing"),
        "platform_signup_url": _lazy_link("signup"),
    }
