"""Directory search over a school's alumni records, with a pluggable backend.

    search_persons(query="zhangwei", filters={"college_id": 3, "graduation_year": 2010})
        → SearchResult(ids=[…], total=…)

Everything works on the current schema's school. The backend is ``settings.PEOPLE_SEARCH_BACKEND``:
``postgres`` (default, the PersonSearchDocument table) or ``elasticsearch`` (one index alias per
school at ``settings.ELASTICSEARCH_URL``). Both index the same tokens (tokens.py) and pass the
same contract tests. Writes reach the index through ``persons_changed`` (receivers.py) and a
Celery task that carries the school (alumni.people.tasks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from alumni.people.search.base import (
    FILTER_KEYS,
    SearchBackend,
    SearchInvalid,
    SearchResult,
    clean_filters,
    clean_page,
)

_backends: dict[str, SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    """The configured backend (one instance per name: the Elasticsearch one holds a client)."""
    name = name or getattr(settings, "PEOPLE_SEARCH_BACKEND", "postgres") or "postgres"
    if name not in _backends:
        if name == "postgres":
            from alumni.people.search.postgres import PostgresBackend

            _backends[name] = PostgresBackend()
        elif name == "elasticsearch":
            from alumni.people.search.elasticsearch import ElasticsearchBackend

            _backends[name] = ElasticsearchBackend(url=settings.ELASTICSEARCH_URL)
        else:
            raise ValueError(f"Unknown PEOPLE_SEARCH_BACKEND {name!r} (postgres or elasticsearch)")
    return _backends[name]


def search_persons(
    *,
    query: str = "",
    filters: dict[str, Any] | None = None,
    verified_only: bool = False,
    offset: int = 0,
    limit: int = 20,
) -> SearchResult:
    """Active persons of the current school matching the query and every filter, best first."""
    offset, limit = clean_page(offset, limit)
    cleaned = clean_filters(filters, verified_only=verified_only)
    return get_backend().search(query=(query or "").strip(), filters=cleaned, offset=offset, limit=limit)


def reindex_persons(ids: Iterable[int]) -> None:
    """Refresh these persons in the current school's index (merged or deleted ones leave it)."""
    get_backend().reindex(ids)


def reindex_all() -> int:
    """Rebuild the current school's index; returns how many persons it holds."""
    return get_backend().reindex_all()


__all__ = [
    "FILTER_KEYS",
    "SearchInvalid",
    "SearchResult",
    "get_backend",
    "reindex_all",
    "reindex_persons",
    "search_persons",
]
