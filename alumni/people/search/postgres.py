# ruff: noqa: S608 -- table names come from model meta, clauses from module constants; values are parameters.
"""The default backend: a PersonSearchDocument table per school (plain PostgreSQL, no extensions).

Building is set-based: per chunk of persons, Python computes only the tokens (bigrams, pinyin
words: alumni.people.search.tokens) and one ``INSERT … SELECT`` takes the rest from the records
(names, filter facets from degrees, groups and tags) and turns the tokens into a tsvector with
``array_to_tsvector`` (the tokens are already lexemes: no parser in between to split them again).

A query is the same tokens as a tsquery (every bigram of a Chinese term, a prefix ``:*`` for a
Latin term) AND the filters as ``facets @> ARRAY[…]``: both are GIN lookups PostgreSQL combines
with a bitmap AND, whatever the combination. Ranking: exact name or pinyin first, then name
prefix / initials, then name containing the term, then matches in company, city or industry
(marker tokens, tokens.rank_tokens, so a tier is a tsquery too); ties by id, so pages are stable.
A broad query (a surname, a city) is read tier by tier in id order: the primary key index yields
the first 20 of a tier's 40,000 rows without fetching the rest. Filters alone list by pinyin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from alumni.people.models import AlumniGroup, Degree, Person, PersonSearchDocument
from alumni.people.search.base import DEGREE_FILTERS, SearchBackend, SearchResult
from alumni.people.search.tokens import (
    EXACT,
    IN_NAME,
    PREFIX,
    ParsedQuery,
    bigrams,
    document_tokens,
    parse_query,
    text_tokens,
)

CHUNK = 5000

# Filter key → facet prefix in PersonSearchDocument.facets (see _FACETS_SQL).
FACET_PREFIX = {
    "college_id": "college:",
    "major_id": "major:",
    "level": "level:",
    "enrollment_year": "ey:",
    "graduation_year": "gy:",
    "class_name": "class:",
    "city": "city:",
    "province": "province:",
    "industry": "industry:",
    "verification": "v:",
    "tag": "tag:",
    "group_id": "group:",
}
DEGREE_COLUMNS = {
    "college_id": "college_id",
    "major_id": "major_id",
    "level": "level",
    "enrollment_year": "enrollment_year",
    "graduation_year": "graduation_year",
    "class_name": "class_name",
}


def _tables() -> dict[str, str]:
    return {
        "doc": PersonSearchDocument._meta.db_table,
        "person": Person._meta.db_table,
        "degree": Degree._meta.db_table,
        "groups": Person.groups.through._meta.db_table,
        "group_fk": Person.groups.field.m2m_reverse_name(),
        "group_model": AlumniGroup._meta.db_table,
    }


# Every filter value of a person as 'key:value'; NULLs (no college, no year …) drop out. Each
# degree also gives every pair of its values ('college:3|gy:2010', in DEGREE_FILTERS order), so
# two degree filters are one exact key (same degree) instead of a join to degrees.
_FACETS_SQL = """
    array_remove(ARRAY[
        'city:' || NULLIF(p.city, ''),
        'province:' || NULLIF(p.province, ''),
        'industry:' || NULLIF(p.industry, ''),
        CASE WHEN p.is_vip THEN 'vip' END,
        'v:' || p.verification
    ], NULL)
    || ARRAY(SELECT 'tag:' || tag FROM unnest(p.tags) AS tag WHERE tag <> '')
    || ARRAY(SELECT 'group:' || g.{group_fk} FROM {groups} g WHERE g.person_id = p.id)
    || ARRAY(
        SELECT DISTINCT f FROM {degree} g
        CROSS JOIN LATERAL (SELECT ARRAY[
            'college:' || g.college_id, 'major:' || g.major_id, 'level:' || g.level,
            'ey:' || g.enrollment_year, 'gy:' || g.graduation_year, 'class:' || NULLIF(g.class_name, '')
        ] AS k) AS keys
        CROSS JOIN LATERAL (
            SELECT keys.k[i] FROM generate_series(1, 6) AS i
            UNION ALL
            SELECT keys.k[i] || '|' || keys.k[j]
            FROM generate_series(1, 6) AS i, generate_series(1, 6) AS j WHERE i < j
        ) AS v(f)
        WHERE g.person_id = p.id AND f IS NOT NULL
    )
"""

_UPSERT_SQL = """
    INSERT INTO {doc} (person_id, name, name_pinyin, name_initials, company, tokens, facets, indexed_at)
    SELECT p.id, p.name, p.name_pinyin, p.name_initials, p.company,
           array_to_tsvector(string_to_array(t.tokens, ' ')),
           ({facets})::varchar(100)[],
           now()
    FROM unnest(%s::bigint[], %s::text[]) AS t(id, tokens)
    JOIN {person} p ON p.id = t.id AND p.merged_into_id IS NULL
    ON CONFLICT (person_id) DO UPDATE SET
        name = EXCLUDED.name, name_pinyin = EXCLUDED.name_pinyin,
        name_initials = EXCLUDED.name_initials, company = EXCLUDED.company,
        tokens = EXCLUDED.tokens, facets = EXCLUDED.facets, indexed_at = EXCLUDED.indexed_at
"""


def _quote_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _term_tsquery(parsed: ParsedQuery) -> str:
    """The tsquery text: AND over terms; Latin terms also match glued together (zhang wei)."""
    parts = []
    prefixes = [term.prefix for term in parsed.terms if term.prefix]
    for term in parsed.terms:
        if term.bigrams:
            parts.append(" & ".join(_quote_lexeme(token) for token in term.bigrams))
    if len(prefixes) == 1:
        parts.append(_quote_lexeme(prefixes[0]) + ":*")
    elif prefixes:
        separate = " & ".join(_quote_lexeme(prefix) + ":*" for prefix in prefixes)
        parts.append(f"(({separate}) | {_quote_lexeme(''.join(prefixes))}:*)")
    return " & ".join(f"({part})" for part in parts)


def _rank_tsqueries(parsed: ParsedQuery) -> list[tuple[int, str]]:
    """Tier → tsquery over the marker tokens (tokens.rank_tokens): 3 the exact name or pinyin,
    2 a prefix of the name, pinyin or initials, 1 part of the name; anything else matched is 0."""
    if not parsed:
        return []
    name, pinyin = parsed.name, parsed.pinyin
    exact = [_quote_lexeme(EXACT + value) for value in (name, pinyin) if value]
    prefix = ([_quote_lexeme(PREFIX + name)] if name else []) + (
        [_quote_lexeme(PREFIX + pinyin) + ":*"] if pinyin else []
    )
    in_name = [_quote_lexeme(IN_NAME + token) for token in dict.fromkeys(bigrams(name))] if name else []
    tiers = [(3, " | ".join(exact)), (2, " | ".join(prefix)), (1, " & ".join(in_name))]
    return [(tier, tsquery) for tier, tsquery in tiers if tsquery]


def _company_tsquery(company: str) -> str:
    """Candidates for a company substring filter from the token index (checked by ILIKE after)."""
    tokens = sorted(token for token in text_tokens(company) if len(token) >= 2 or token.isascii())
    return " & ".join(_quote_lexeme(token) + (":*" if token.isascii() else "") for token in tokens)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PostgresBackend(SearchBackend):
    name = "postgres"

    # --- indexing -----------------------------------------------------------------------
    def _upsert(self, ids: list[int]) -> int:
        rows = Person.objects.filter(pk__in=ids, merged_into__isnull=True).values_list(
            "pk", "name", "name_pinyin", "name_initials", "company", "city", "province", "industry"
        )
        person_ids, tokens = [], []
        for pk, name, pinyin, initials, company, city, province, industry in rows:
            person_ids.append(pk)
            tokens.append(
                " ".join(
                    document_tokens(
                        name=name,
                        pinyin=pinyin,
                        initials=initials,
                        company=company,
                        city=city,
                        province=province,
                        industry=industry,
                    )
                )
            )
        if not person_ids:
            return 0
        tables = _tables()
        sql = _UPSERT_SQL.format(facets=_FACETS_SQL.format(**tables), **tables)
        with connection.cursor() as cursor:
            cursor.execute(sql, [person_ids, tokens])
        return len(person_ids)

    def reindex(self, ids: Iterable[int]) -> None:
        ids = sorted({int(pk) for pk in ids})
        tables = _tables()
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            with transaction.atomic():
                self._upsert(chunk)
                with connection.cursor() as cursor:
                    # Merged or deleted persons leave the index.
                    cursor.execute(
                        f"""DELETE FROM {tables["doc"]} d WHERE d.person_id = ANY(%s) AND NOT EXISTS (
                            SELECT 1 FROM {tables["person"]} p
                            WHERE p.id = d.person_id AND p.merged_into_id IS NULL)""",
                        [chunk],
                    )

    def reindex_all(self) -> int:
        tables = _tables()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""DELETE FROM {tables["doc"]} d WHERE NOT EXISTS (
                    SELECT 1 FROM {tables["person"]} p WHERE p.id = d.person_id AND p.merged_into_id IS NULL)"""
            )
        done, last = 0, 0
        while True:
            chunk = list(
                Person.objects.filter(pk__gt=last, merged_into__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            )
            if not chunk:
                break
            with transaction.atomic():
                done += self._upsert(chunk)
            last = chunk[-1]
        with connection.cursor() as cursor:
            # VACUUM marks the pages all-visible, so counting a large result reads the GIN index
            # only (no heap visits); inside a transaction (tests) only ANALYZE is possible.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{verb} {tables['doc']}")
        return done

    # --- searching ----------------------------------------------------------------------
    def _where(self, parsed: ParsedQuery, filters: dict[str, Any]) -> tuple[list[str], list[Any]]:
        tables = _tables()
        clauses, params = [], []
        tsquery = _term_tsquery(parsed)
        company = filters.get("company", "")
        company_tsquery = _company_tsquery(company) if company else ""
        combined = " & ".join(f"({part})" for part in (tsquery, company_tsquery) if part)
        if combined:
            clauses.append("d.tokens @@ %s::tsquery")
            params.append(combined)
        facets = [
            f"{FACET_PREFIX[key]}{value}"
            for key, value in filters.items()
            if key in FACET_PREFIX and key not in DEGREE_FILTERS
        ]
        degree_keys = [f"{FACET_PREFIX[key]}{filters[key]}" for key in DEGREE_FILTERS if key in filters]
        if len(degree_keys) == 1:
            facets += degree_keys
        else:
            facets += [f"{a}|{b}" for i, a in enumerate(degree_keys) for b in degree_keys[i + 1 :]]
        if filters.get("is_vip") is True:
            facets.append("vip")
        if facets:
            clauses.append("d.facets @> %s::varchar(100)[]")
            params.append(sorted(facets))
        if filters.get("is_vip") is False:
            clauses.append("NOT (d.facets @> ARRAY['vip']::varchar(100)[])")
        if company:
            clauses.append("d.company ILIKE %s")
            params.append(f"%{_like_escape(company)}%")
        degree_filters = [key for key in DEGREE_FILTERS if key in filters]
        if len(degree_filters) > 2:
            # Pairs hold on one degree each; three or more values must hold on the same one.
            conditions = " AND ".join(f"g.{DEGREE_COLUMNS[key]} = %s" for key in degree_filters)
            clauses.append(
                f"EXISTS (SELECT 1 FROM {tables['degree']} g WHERE g.person_id = d.person_id AND {conditions})"
            )
            params.extend(filters[key] for key in degree_filters)
        return clauses, params

    def search(self, *, query: str, filters: dict[str, Any], offset: int, limit: int) -> SearchResult:
        parsed = parse_query(query)
        if query.strip() and not parsed:
            return SearchResult(ids=[], total=0)  # only punctuation: nothing can match
        clauses, params = self._where(parsed, filters)
        where = " AND ".join(clauses) or "TRUE"
        doc = _tables()["doc"]
        with connection.cursor() as cursor:
            # Counting reads the GIN indexes only (pages are all-visible after reindex_all).
            cursor.execute(f"SELECT count(*) FROM {doc} d WHERE {where}", params)
            total = cursor.fetchone()[0]
            if not total or offset >= total:
                return SearchResult(ids=[], total=total)
            tiers = _rank_tsqueries(parsed)
            if not tiers:
                sql = f"SELECT d.person_id FROM {doc} d WHERE {where} ORDER BY d.name_pinyin, d.person_id"
                cursor.execute(f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset])
                ids = [row[0] for row in cursor.fetchall()]
            elif total <= self.BROAD:
                # Few matches: rank them all in one statement (bitmap scan + top-N sort).
                rank = " ".join(f"WHEN d.tokens @@ %s::tsquery THEN {tier}" for tier, _ in tiers)
                cursor.execute(
                    f"SELECT d.person_id FROM {doc} d WHERE {where} "
                    f"ORDER BY CASE {rank} ELSE 0 END DESC, d.person_id LIMIT %s OFFSET %s",
                    [*params, *(tsquery for _, tsquery in tiers), limit, offset],
                )
                ids = [row[0] for row in cursor.fetchall()]
            else:
                # One term: each tier implies the match itself, so a tier's tsquery stands alone
                # (PostgreSQL estimates a single marker token well, a conjunction poorly).
                alone = len(parsed.terms) == 1 and "company" not in filters
                ids = self._tiered_page(cursor, doc, clauses, params, tiers, offset, limit, alone=alone)
        return SearchResult(ids=ids, total=total)

    # Above this many matches a page is read tier by tier, each in id (primary key) order, so a
    # surname or a city does not fetch and sort tens of thousands of rows for 20 ids.
    BROAD = 2000

    @staticmethod
    def _tiered_page(cursor, doc, clauses, params, tiers, offset, limit, *, alone: bool) -> list[int]:
        wanted = offset + limit
        ids: list[int] = []
        higher: list[str] = []
        # clauses[0] is the text match (a text query always comes first in _where): each tier
        # narrows that one tsquery, so a tier is still a single GIN condition.
        for _, tsquery in [*tiers, (0, "")]:
            match = [] if alone and tsquery else [f"({params[0]})"]
            condition = " & ".join([*match, *([f"({tsquery})"] if tsquery else []), *higher])
            cursor.execute(
                f"SELECT d.person_id FROM {doc} d WHERE {' AND '.join(clauses)} ORDER BY d.person_id LIMIT %s",
                [condition, *params[1:], wanted - len(ids)],
            )
            ids += [row[0] for row in cursor.fetchall()]
            if len(ids) >= wanted:
                break
            if tsquery:
                higher.append(f"!({tsquery})")
        return ids[offset:wanted]
