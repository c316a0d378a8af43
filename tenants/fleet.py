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


def applied_by_schema(schemas: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Applied migrations per schema, read in a few UNION ALL queries instead of one per schema."""
    applied: dict[str, set[tuple[str, str]]] = defaultdict(set)
    if not schemas:
        return applied
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [list(schemas)],
        )
        with_table = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(with_table), _UNION_CHUNK):
            chunk = with_table[start : start + _UNION_CHUNK]
            # Schema names come from information_schema (validated at creation), and are quoted.
            sql = " UNION ALL ".join(
                f'SELECT %s, app, name FROM "{schema}".django_migrations'  # noqa: S608
                for schema in chunk
            )
            cursor.execute(sql, chunk)
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return applied


def schemas_with_pending(schemas: list[str]) -> list[str]:
    """The schemas (in the given order) that miss at least one migration."""
    expected = expected_migrations()
    applied = applied_by_schema(schemas)
    return [schema for schema in schemas if not expected <= applied.get(schema, set())]
