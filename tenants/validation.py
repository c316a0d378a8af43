"""Rules for a school's subdomain, shared by the sign-up form, the console and the CLI."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

from tenants.errors import SubdomainUnavailable
from tenants.fleet import template_schema
from tenants.models import Domain, School

SUBDOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")


def schema_for_subdomain(subdomain: str) -> str:
    return subdomain.replace("-", "_")


def hostname_for_subdomain(subdomain: str) -> str:
    return f"{subdomain}.{settings.PLATFORM_DOMAIN}"


def subdomain_check(subdomain: str) -> str:
    """Return the normalised subdomain or raise SubdomainUnavailable saying why."""
    value = (subdomain or "").strip().lower()
    if not SUBDOMAIN_RE.match(value) or "--" in value:
        raise SubdomainUnavailable(
            _("子域名需为 3–40 位小写字母、数字或连字符，以字母开头，不能以连字符结尾。"),
            field="subdomain",
            code="subdomain_invalid",
        )
    schema = schema_for_subdomain(value)
    if value in settings.RESERVED_SUBDOMAINS or value.startswith("pg-") or schema == template_schema():
        raise SubdomainUnavailable(
            _("该子域名为系统保留，请换一个。"), field="subdomain", code="subdomain_reserved"
        )
    if (
        School.objects.filter(subdomain=value).exists()
        or School.objects.filter(schema_name__iexact=schema).exists()
        or Domain.objects.filter(domain=hostname_for_subdomain(value)).exists()
    ):
        raise SubdomainUnavailable(_("该子域名已被占用。"), field="subdomain", code="subdomain_taken")
    return value
