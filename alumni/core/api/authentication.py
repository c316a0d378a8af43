"""API token authentication: ``Authorization: Bearer <token>`` (tokens live in each school's schema)."""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"
