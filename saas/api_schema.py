"""OpenAPI schema generation hooks."""

from __future__ import annotations


def only_public_api(endpoints):
    """Keep only /api/v1/ endpoints in the schema (drops Wagtail's admin-internal APIs)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
