"""The PostgreSQL search backend's index: one row per active person, rebuilt from the records.

``tokens`` holds what the person is found by (Chinese bigrams, name characters, pinyin, initials,
Latin words: see alumni.people.search.tokens) as a tsvector with a GIN index. ``facets`` holds
every filter value as a ``key:value`` string (college:12, gy:2010, city:北京 …) with a GIN index,
so any combination of filters is one index lookup instead of joins to degrees at query time.
Merged records have no row: they are never found.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from alumni.people.models.records import Person


class PersonSearchDocument(models.Model):
    person = models.OneToOneField(
        Person,
        verbose_name=_("校友"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    # Copies used to rank (exact name first) and to order results; company for substring filters.
    name = models.CharField(max_length=60)
    name_pinyin = models.CharField(max_length=200)
    name_initials = models.CharField(max_length=20)
    company = models.CharField(max_length=120)
    tokens = SearchVectorField()
    facets = ArrayField(models.CharField(max_length=100), default=list)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("校友搜索索引")
        verbose_name_plural = _("校友搜索索引")
        indexes = [
            GinIndex(fields=["tokens"], name="people_searchdoc_tokens_gin"),
            GinIndex(fields=["facets"], name="people_searchdoc_facets_gin"),
            models.Index(fields=["name_pinyin", "person"], name="people_searchdoc_order"),
        ]

    def __str__(self) -> str:
        return self.name
