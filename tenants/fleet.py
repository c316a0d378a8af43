"""The template schema and knowing which schemas have migrations pending.

Schools are cloned from ``settings.TENANT_BASE_SCHEMA``; the template must be migrated in every
migration run or a clone gets migrations recorded as applied whose tables it lacks. Finding
pending work for a whole fleet is one query over every schema's ``django_migrations``, so a run
with nothing to do costs about the same for 2 schools as for 2,000.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import schema_exists

# Postgres limits the size of one statement comfortably above this many UNION arms.
_UNION_CHUNK = 500


def template_schema() -> str:
    return settings.TENANT_BASE_SCHEMA


def template_create_if_missing() -> bool:
    """Create the (empty) template schema; returns True when it had to be created."""
    name = template_schema()
    if schema_exists(name):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{name}"')
    return True


def expected_migrations() -> set[tuple[str, str]]:
    """Every migration a schema must have recorded (Django records all, even routed-away ones)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True, load=True)
    return set(loader.graph.nodes)


def rows_across_schemas(schemas: list[str], table: str, columns: str) -> list[tuple]:
    """``SELECT <schema>, <columns> FROM <schema>.<table>`` for every schema that has the table.

    One UNION ALL query per 500 schemas instead of one query per schema; schemas without the
    table (dropped by hand, half-created) are skipped. ``table`` and ``columns`` are trusted
    code constants, never user input.
    """
    if not schemas:
        return []
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s AND table_schema = ANY(%s)",
            [table, list(schemas)],
        )
        present = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(present), _UNION_CHUNK):
            chunk = present[start : start + _UNION_CHUNK]
            # Schema names come from information_schema (validated at creation) and are quoted.
            sql = " UNION ALL ".join(
                f'SELECT %s, {columns} FROM "{schema}".{table}'  # noqa: S608
                for schema in chunk
            )
            cursor.execute(sql, chunk)
            rows.extend(cursor.fetchall())
    return rows


def applied_by_schema(schemas: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Applied migrations per schema, read across the whole fleet in one query."""
    applied: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for schema, app, name in rows_across_schemas(schemas, "django_migrations", "app, name"):
        applied[schema].add((app, name))
    return applied


def schemas_with_pending(schemas: list[str]) -> list[str]:
    """The schemas (in the given order) that miss at least one migration."""
    expected = expected_migrations()
    applied = applied_by_schema(schemas)
    return [schema for schema in schemas if not expected <= applied.get(schema, set())]
