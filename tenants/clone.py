# ruff: noqa: S608 -- every identifier below comes from the catalog and is quoted by _q or quote_ident.
"""Copy a schema (tables, data, indexes, constraints, identity sequences) into a new schema.

django-tenants ships a general PL/pgSQL ``clone_schema`` function that introspects and copies
object by object; on our template it costs ~0.45 s for 56 tables and grows with every feature.
Our schemas hold only what Django migrations make (tables with identity columns, indexes, check,
unique, primary and foreign keys), so we read the catalog once and send one script:

1. ``CREATE TABLE … (LIKE template.t INCLUDING DEFAULTS IDENTITY GENERATED CONSTRAINTS …)``,
2. copy the rows, and move each identity sequence to where the template's is,
3. primary/unique constraints and indexes under their original names (later migrations drop and
   rename them by name), then foreign keys.

If the template ever holds anything else (views, functions, triggers, free sequences, types), we
fall back to django-tenants' function, which copies those too.
"""

from __future__ import annotations

from django.db import connection
from django_tenants.clone import CloneSchema

_UNSUPPORTED_SQL = """
SELECT
  (SELECT count(*) FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind NOT IN ('r', 'i', 'S'))
+ (SELECT count(*) FROM pg_proc WHERE pronamespace = %(ns)s::regnamespace)
+ (SELECT count(*) FROM pg_type t WHERE t.typnamespace = %(ns)s::regnamespace AND t.typtype NOT IN ('c', 'b'))
+ (SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
     WHERE c.relnamespace = %(ns)s::regnamespace AND NOT g.tgisinternal)
+ (SELECT count(*) FROM pg_class s WHERE s.relnamespace = %(ns)s::regnamespace AND s.relkind = 'S'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = s.oid AND d.deptype IN ('a', 'i')))
"""

_TABLES_SQL = """
SELECT c.relname,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '') AS cols
FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind = 'r' ORDER BY c.relname
"""

_IDENTITY_SQL = """
SELECT c.relname, a.attname, pg_get_serial_sequence(c.oid::regclass::text, a.attname)
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind = 'r' AND a.attidentity <> '' AND NOT a.attisdropped
"""

_CONSTRAINTS_SQL = """
SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE k.connamespace = %(ns)s::regnamespace AND k.contype IN ('p', 'u', 'x', 'f')
ORDER BY k.contype = 'f', c.relname, k.conname
"""

_INDEXES_SQL = """
SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
WHERE c.relnamespace = %(ns)s::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
"""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def clone_schema(source: str, target: str) -> None:
    """Create schema ``target`` as a copy of ``source``, data included, on the current connection."""
    params = {"ns": source}
    with connection.cursor() as cursor:
        cursor.execute(_UNSUPPORTED_SQL, params)
        if cursor.fetchone()[0]:
            CloneSchema().clone_schema(source, target, "DATA")
            return
        cursor.execute("SELECT quote_ident(%s)", [source])
        src_ident = cursor.fetchone()[0]
        cursor.execute(_TABLES_SQL, params)
        tables = cursor.fetchall()
        cursor.execute(_IDENTITY_SQL, params)
        identities = cursor.fetchall()
        cursor.execute(_CONSTRAINTS_SQL, params)
        constraints = cursor.fetchall()
        cursor.execute(_INDEXES_SQL, params)
        indexes = [row[0] for row in cursor.fetchall()]

        src, dst = _q(source), _q(target)
        script = [f"CREATE SCHEMA {dst}"]
        for table, _cols in tables:
            script.append(
                f"CREATE TABLE {dst}.{_q(table)} (LIKE {src}.{_q(table)} INCLUDING DEFAULTS INCLUDING IDENTITY "
                "INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS "
                "INCLUDING COMPRESSION)"
            )
        for table, cols in tables:
            script.append(
                f"INSERT INTO {dst}.{_q(table)} ({cols}) OVERRIDING SYSTEM VALUE "
                f"SELECT {cols} FROM {src}.{_q(table)}"
            )
        for table, column, source_sequence in identities:
            # Continue each identity where the template's sequence stands (not at max(id)+1:
            # ids the template handed out and deleted must not come back).
            target_table = f"{dst}.{_q(table)}".replace("'", "''")
            script.append(
                f"SELECT setval(pg_get_serial_sequence('{target_table}', '{column}'), s.last_value, s.is_called) "
                f"FROM {source_sequence} AS s"
            )
        for table, name, kind, definition in constraints:
            if kind == "f":
                definition = definition.replace(f"REFERENCES {src_ident}.", f"REFERENCES {dst}.", 1)
            script.append(f"ALTER TABLE {dst}.{_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
        for definition in indexes:
            script.append(definition.replace(f" ON {src_ident}.", f" ON {dst}.", 1))
        # Foreign keys last, after every referenced primary/unique key exists.
        script.sort(key=lambda stmt: " FOREIGN KEY " in stmt)
        cursor.execute(";\n".join(script))
