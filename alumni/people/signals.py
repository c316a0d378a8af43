"""Seams of the people app.

``persons_changed`` — sent after the transaction that created, changed, merged or deleted
person records commits, with ``schema`` (str) and ``person_ids`` (list[int]). The search index
listens (alumni.people.search) and re-indexes those persons in a task that carries the school.
Services send it through ``persons_changed_after_commit``; bulk paths (imports) send it once per
batch.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.dispatch import Signal

persons_changed = Signal()


def persons_changed_after_commit(person_ids) -> None:
    ids = sorted({int(pk) for pk in person_ids})
    if not ids:
        return
    schema = connection.schema_name
    transaction.on_commit(lambda: persons_changed.send(sender=None, schema=schema, person_ids=ids))
