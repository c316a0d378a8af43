"""Building school website content in tests."""

from __future__ import annotations

import itertools
from datetime import date

from cms.models import NewsIndexPage, NewsPage
from tests.conftest import inside

_slugs = itertools.count()


def news_add(school, title: str, *, day: int = 1, live: bool = True, **fields) -> NewsPage:
    """Add a news page under the school's news section (a draft when ``live`` is False)."""
    with inside(school):
        index = NewsIndexPage.objects.get()
        page = NewsPage(
            title=title,
            slug=f"news-{next(_slugs)}",
            date=date(2026, 1, day),
            body=fields.pop("body", f"<p>{title}的正文。</p>"),
            live=live,
            **fields,
        )
        index.add_child(instance=page)
        return page
