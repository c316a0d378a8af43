"""Put the current school (or None on the platform domain) into every template."""

from __future__ import annotations

from django.conf import settings

from tenants.models import School


def school(request):
    tenant = getattr(request, "tenant", None)
    return {
        "school": tenant if isinstance(tenant, School) else None,
        "platform_domain": settings.PLATFORM_DOMAIN,
    }
