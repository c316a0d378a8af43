# ruff: noqa: S608 -- queries are concatenated from module constants only; values are parameters.
"""Duplicate candidates: pairs of active records that are probably one person.

Found with set-based SQL (hash self-joins on the shared key, never a Python loop over pairs), so
the page stays fast at 100,000 persons. Four signals, a pair may carry several:
- ``phone``: the two records share a phone number (unnested arrays joined on the number);
- ``id_number``: same ID-number digest;
- ``name_birth``: same name and same birth date;
- ``name_degree``: same name and a degree at the same college with the same enrollment or
  graduation year.
Merged records (tombstones) and pairs an admin dismissed (DuplicateDismissal) are left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext_lazy as _

from alumni.people.models import Person

REASON_LABELS = {
    "id_number": _("身份证号相同"),
    "phone": _("手机号相同"),
    "name_birth": _("同名且出生日期相同"),
    "name_degree": _("同名且同学院同届"),
}
# Strongest signal first: the page lists the most certain pairs on top.
REASON_ORDER = ["id_number", "phone", "name_birth", "name_degree"]

_PAIRS_SQL = """
WITH active AS (
    SELECT id, name, birth_date, phones, id_number_digest
    FROM people_person WHERE merged_into_id IS NULL
),
phone AS (
    SELECT id, unnest(phones) AS phone FROM active
),
deg AS (
    SELECT d.person_id AS id, a.name, d.college_id, d.enrollment_year, d.graduation_year
    FROM people_degree d JOIN active a ON a.id = d.person_id
    WHERE d.college_id IS NOT NULL
),
pairs AS (
    SELECT a.id AS first_id, b.id AS second_id, 'phone' AS reason
    FROM phone a JOIN phone b ON a.phone = b.phone AND a.id < b.id
    UNION ALL
    SELECT a.id, b.id, 'id_number'
    FROM active a JOIN active b ON a.id_number_digest = b.id_number_digest AND a.id < b.id
    WHERE a.id_number_digest <> ''
    UNION ALL
    SELECT a.id, b.id, 'name_birth'
    FROM active a JOIN active b ON a.name = b.name AND a.birth_date = b.birth_date AND a.id < b.id
    UNION ALL
    SELECT a.id, b.id, 'name_degree'
    FROM deg a JOIN deg b ON a.name = b.name AND a.college_id = b.college_id AND a.id < b.id
        AND (a.enrollment_year = b.enrollment_year OR a.graduation_year = b.graduation_year)
),
grouped AS (
    SELECT first_id, second_id, array_agg(DISTINCT reason) AS reasons
    FROM pairs p
    WHERE NOT EXISTS (
        SELECT 1 FROM people_duplicatedismissal x
        WHERE x.first_id = p.first_id AND x.second_id = p.second_id
    )
    GROUP BY first_id, second_id
)
"""

_RANK = """
    (CASE WHEN 'id_number' = ANY(reasons) THEN 8 ELSE 0 END
     + CASE WHEN 'phone' = ANY(reasons) THEN 4 ELSE 0 END
     + CASE WHEN 'name_birth' = ANY(reasons) THEN 2 ELSE 0 END
     + CASE WHEN 'name_degree' = ANY(reasons) THEN 1 ELSE 0 END)
"""


@dataclass
class DuplicatePair:
    first: Person
    second: Person
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS[r]) for r in REASON_ORDER if r in self.reasons]


def duplicate_candidates_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_PAIRS_SQL + "SELECT count(*) FROM grouped")
        return cursor.fetchone()[0]


def duplicate_candidates(*, offset: int = 0, limit: int = 50) -> list[DuplicatePair]:
    """One page of candidate pairs, most certain first, with both persons and their degrees."""
    with connection.cursor() as cursor:
        cursor.execute(
            _PAIRS_SQL + f"SELECT first_id, second_id, reasons FROM grouped "
            f"ORDER BY {_RANK} DESC, first_id, second_id OFFSET %s LIMIT %s",
            [offset, limit],
        )
        rows = cursor.fetchall()
    ids = {pk for row in rows for pk in row[:2]}
    persons = {
        p.pk: p
        for p in Person.objects.filter(pk__in=ids).prefetch_related("degrees__college", "degrees__major")
    }
    return [DuplicatePair(persons[a], persons[b], list(reasons)) for a, b, reasons in rows]


def duplicate_reasons(first: Person, second: Person) -> list[str]:
    """Why this one pair is suggested ([] when it is not, or was dismissed)."""
    a, b = sorted([first.pk, second.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            _PAIRS_SQL + "SELECT reasons FROM grouped WHERE first_id = %s AND second_id = %s", [a, b]
        )
        row = cursor.fetchone()
    return list(row[0]) if row else []


_VERSION_SQL = """
SELECT (SELECT concat(count(*), ':', max(updated_at)) FROM people_person),
       (SELECT concat(count(*), ':', max(updated_at)) FROM people_degree),
       (SELECT concat(count(*), ':', max(id)) FROM people_duplicatedismissal)
"""


def duplicate_candidates_count_cached() -> int:
    """The count for the dashboard to-do: recomputed only when persons, degrees or dismissals
    changed (a cheap version check), since the full count takes ~0.6 s at 100,000 persons."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        version = hashlib.sha256(repr(cursor.fetchone()).encode()).hexdigest()[:16]
    key = f"people:duplicates:count:{version}"  # the cache key function adds the school's schema
    count = cache.get(key)
    if count is None:
        count = duplicate_candidates_count()
        cache.set(key, count, timeout=24 * 3600)
    return count
