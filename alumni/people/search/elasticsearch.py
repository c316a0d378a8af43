"""The Elasticsearch backend: one index alias per school, ``<prefix>-people-<schema>``.

The schema is part of every index name, so schools sharing a cluster never see or overwrite each
other's documents (Wagtail's backend names indexes per model only; see ARCHITECTURE.md §5). A full
rebuild writes a fresh index ``<alias>-<timestamp>`` and swaps the alias in one step, so searches
keep working during the rebuild.

Documents carry the same tokens as the PostgreSQL backend (tokens.py) in a keyword field, so a
query matches exactly when it matches there; degrees are nested so that combined degree filters
(college + year) must hold on one degree. Ranking is the same tiers: exact name or pinyin, then
name prefix / initials, then name containing the term, then the rest (the same marker tokens);
ties by id. Filters alone list by pinyin.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.dsl import Boolean, Document, InnerDoc, Integer, Keyword, Long, Nested, Q, Search
from elasticsearch.helpers import bulk

from alumni.people.models import Person
from alumni.people.search.base import DEGREE_FILTERS, SearchBackend, SearchResult
from alumni.people.search.tokens import (
    EXACT,
    IN_NAME,
    PREFIX,
    ParsedQuery,
    bigrams,
    document_tokens,
    parse_query,
)

CHUNK = 2000


def index_alias(schema: str | None = None) -> str:
    """The school's index alias: the schema is in the name, so schools never share an index."""
    schema = schema or connection.schema_name
    prefix = (getattr(settings, "ELASTICSEARCH_INDEX_PREFIX", "") or "alumni").lower()
    return f"{prefix}-people-{schema.lower()}"


class DegreeDoc(InnerDoc):
    college_id = Integer()
    major_id = Integer()
    level = Keyword()
    enrollment_year = Integer()
    graduation_year = Integer()
    class_name = Keyword()


class PersonDoc(Document):
    person_id = Long()
    name = Keyword()
    name_pinyin = Keyword()
    name_initials = Keyword()
    tokens = Keyword(multi=True)  # bigrams, name characters, pinyin, initials, Latin words
    company = Keyword()
    city = Keyword()
    province = Keyword()
    industry = Keyword()
    verification = Keyword()
    is_vip = Boolean()
    tags = Keyword(multi=True)
    group_ids = Integer(multi=True)
    degrees = Nested(DegreeDoc)


def build_document(person: Person) -> PersonDoc:
    """A person's search document (degrees and groups should be prefetched)."""
    doc = PersonDoc(
        meta={"id": person.pk},
        person_id=person.pk,
        name=person.name,
        name_pinyin=person.name_pinyin,
        name_initials=person.name_initials,
        tokens=document_tokens(
            name=person.name,
            pinyin=person.name_pinyin,
            initials=person.name_initials,
            company=person.company,
            city=person.city,
            province=person.province,
            industry=person.industry,
        ),
        company=person.company,
        city=person.city,
        province=person.province,
        industry=person.industry,
        verification=person.verification,
        is_vip=person.is_vip,
        tags=[tag for tag in person.tags if tag],
        group_ids=sorted(group.pk for group in person.groups.all()),
        degrees=[
            DegreeDoc(
                college_id=degree.college_id,
                major_id=degree.major_id,
                level=degree.level,
                enrollment_year=degree.enrollment_year,
                graduation_year=degree.graduation_year,
                class_name=degree.class_name or None,
            )
            for degree in person.degrees.all()
        ],
    )
    return doc


def _text_clauses(parsed: ParsedQuery) -> list[Q]:
    """What must match: every bigram of each Chinese term; Latin terms as prefixes (or glued)."""
    clauses = [Q("term", tokens=token) for term in parsed.terms for token in term.bigrams]
    prefixes = [term.prefix for term in parsed.terms if term.prefix]
    if len(prefixes) == 1:
        clauses.append(Q("prefix", tokens=prefixes[0]))
    elif prefixes:
        separate = Q("bool", filter=[Q("prefix", tokens=prefix) for prefix in prefixes])
        clauses.append(
            Q("bool", should=[separate, Q("prefix", tokens="".join(prefixes))], minimum_should_match=1)
        )
    return clauses


def _rank_query(parsed: ParsedQuery) -> Q | None:
    """The tiers of the PostgreSQL backend over the same marker tokens (tokens.rank_tokens), as a
    dis_max of constant scores: the best tier a document reaches is its score."""
    name, pinyin = parsed.name, parsed.pinyin
    exact = [Q("term", tokens=EXACT + value) for value in (name, pinyin) if value]
    prefix = ([Q("term", tokens=PREFIX + name)] if name else []) + (
        [Q("prefix", tokens=PREFIX + pinyin)] if pinyin else []
    )
    in_name = [Q("term", tokens=IN_NAME + token) for token in dict.fromkeys(bigrams(name))] if name else []
    tiers = [
        (3, Q("bool", should=exact, minimum_should_match=1) if exact else None),
        (2, Q("bool", should=prefix, minimum_should_match=1) if prefix else None),
        (1, Q("bool", filter=in_name) if in_name else None),
    ]
    queries = [Q("constant_score", filter=query, boost=boost) for boost, query in tiers if query]
    return Q("dis_max", queries=queries, tie_breaker=0) if queries else None


def _filter_clauses(filters: dict[str, Any]) -> list[Q]:
    clauses = []
    for key in ("city", "province", "industry", "verification"):
        if key in filters:
            clauses.append(Q("term", **{key: filters[key]}))
    if "is_vip" in filters:
        clauses.append(Q("term", is_vip=filters["is_vip"]))
    if "tag" in filters:
        clauses.append(Q("term", tags=filters["tag"]))
    if "group_id" in filters:
        clauses.append(Q("term", group_ids=filters["group_id"]))
    if "company" in filters:
        value = filters["company"].replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
        clauses.append(Q("wildcard", company={"value": f"*{value}*", "case_insensitive": True}))
    degree = [Q("term", **{f"degrees.{key}": filters[key]}) for key in DEGREE_FILTERS if key in filters]
    if degree:
        # One nested query: all degree conditions hold on the same degree.
        clauses.append(Q("nested", path="degrees", query=Q("bool", filter=degree)))
    return clauses


def build_search(
    *, client: Elasticsearch | None, index: str, query: str, filters: dict[str, Any], offset: int, limit: int
) -> Search:
    """The search request (pure: tests look at its body without a server)."""
    parsed = parse_query(query)
    rank = _rank_query(parsed) if parsed else None
    bool_query = Q(
        "bool",
        filter=_text_clauses(parsed) + _filter_clauses(filters),
        should=[rank] if rank else [],
    )
    search = Search(using=client, index=index).query(bool_query).extra(track_total_hits=True)
    search = search.source(False)
    # Like the PostgreSQL backend: tiers then id for a text query, pinyin then id for filters alone.
    order = ["_score", {"person_id": "asc"}] if rank else [{"name_pinyin": "asc"}, {"person_id": "asc"}]
    return search.sort(*order)[offset : offset + limit]


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, *, url: str, client: Elasticsearch | None = None):
        self.url = url
        self._client = client

    @property
    def client(self) -> Elasticsearch:
        if self._client is None:
            if not self.url:
                raise RuntimeError("PEOPLE_SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL")
            self._client = Elasticsearch(self.url, request_timeout=30)
        return self._client

    # --- index management ---------------------------------------------------------------
    def _create_index(self, alias: str, *, attach: bool) -> str:
        name = f"{alias}-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
        PersonDoc.init(index=name, using=self.client)
        if attach:
            self.client.indices.put_alias(index=name, name=alias)
        return name

    def _ensure_alias(self, alias: str) -> None:
        if not self.client.indices.exists_alias(name=alias):
            self._create_index(alias, attach=True)

    def _actions(self, persons: Iterable[Person], index: str):
        for person in persons:
            yield build_document(person).to_dict(include_meta=True) | {"_index": index}

    @staticmethod
    def _persons(ids: list[int] | None = None):
        persons = Person.objects.filter(merged_into__isnull=True).prefetch_related("degrees", "groups")
        if ids is not None:
            persons = persons.filter(pk__in=ids)
        return persons.order_by("pk")

    # --- contract -----------------------------------------------------------------------
    def reindex(self, ids: Iterable[int]) -> None:
        ids = sorted({int(pk) for pk in ids})
        if not ids:
            return
        alias = index_alias()
        self._ensure_alias(alias)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            persons = list(self._persons(chunk))
            found = {person.pk for person in persons}
            deletes = [{"_op_type": "delete", "_index": alias, "_id": pk} for pk in chunk if pk not in found]
            actions = [*self._actions(persons, alias), *deletes]
            # A deleted person that was never indexed is a 404: not an error here.
            bulk(self.client, actions, refresh="wait_for", ignore_status=(404,))

    def reindex_all(self) -> int:
        alias = index_alias()
        new_index = self._create_index(alias, attach=False)
        self.client.indices.put_settings(index=new_index, settings={"index": {"refresh_interval": "-1"}})
        done, last = 0, 0
        while batch := list(self._persons().filter(pk__gt=last)[:CHUNK]):
            bulk(self.client, self._actions(batch, new_index))
            done, last = done + len(batch), batch[-1].pk
        self.client.indices.put_settings(index=new_index, settings={"index": {"refresh_interval": None}})
        self.client.indices.refresh(index=new_index)
        try:
            old = list(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            old = []
        actions = [{"remove": {"index": name, "alias": alias}} for name in old]
        actions.append({"add": {"index": new_index, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        return done

    def search(self, *, query: str, filters: dict[str, Any], offset: int, limit: int) -> SearchResult:
        alias = index_alias()
        if not self.client.indices.exists_alias(name=alias):
            return SearchResult(ids=[], total=0)
        parsed = parse_query(query)
        if query.strip() and not parsed:
            return SearchResult(ids=[], total=0)
        response = build_search(
            client=self.client, index=alias, query=query, filters=filters, offset=offset, limit=limit
        ).execute()
        return SearchResult(ids=[int(hit.meta.id) for hit in response], total=response.hits.total.value)
