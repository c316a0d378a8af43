"""persons_changed → a re-index task in the school the change happened in.

The signal is sent after commit with the schema it came from; the task carries that schema in
its header (TenantTask), so a worker re-indexes the right school. Large batches (imports) are
split so one message never carries an unbounded id list.
"""

from __future__ import annotations

from django.dispatch import receiver

from alumni.people.signals import persons_changed
from alumni.people.tasks import search_reindex_persons
from tenants.tasks import SCHEMA_HEADER

BATCH = 5000


@receiver(persons_changed, dispatch_uid="people.search.reindex_on_change")
def reindex_on_change(sender, *, schema: str, person_ids, **kwargs) -> None:
    ids = sorted({int(pk) for pk in person_ids})
    for start in range(0, len(ids), BATCH):
        search_reindex_persons.apply_async(args=[ids[start : start + BATCH]], headers={SCHEMA_HEADER: schema})
