"""``migrate_schemas`` (and ``migrate``): public schema, the template, then every school that needs it.

With no schema or app named, this replaces django-tenants' loop over every tenant: it always
includes the template schema (clones copy its migration records), and skips schools whose
migrations are all applied, found with one query for the whole fleet. Any other form of the
command (``-s``, an app label, ``--plan``, ``--check``, ``--prune``) behaves as in django-tenants.
"""

from __future__ import annotations

import time

from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor

from tenants.fleet import schemas_with_pending, template_create_if_missing, template_schema
from tenants.models import School


class Command(MigrateSchemasCommand):
    help = "Migrate the public schema, the school template and every school with pending migrations."

    def handle(self, *args, **options):
        SyncCommon.handle(self, *args, **options)
        targeted = self.schema_name or any(
            options.get(key)
            for key in ("app_label", "migration_name", "plan", "check_unapplied", "prune", "fake")
        )
        if targeted:
            return super().handle(*args, **options)

        started = time.perf_counter()
        executor = get_executor(codename=self.executor)(self.args, self.options)
        if self.sync_public:
            executor.run_migrations(tenants=[self.PUBLIC_SCHEMA_NAME])
        if not self.sync_tenant:
            return None
        if template_create_if_missing():
            self._notice(f"Created template schema {template_schema()}\n")
        schools = list(School.objects.order_by("pk").values_list("schema_name", flat=True))
        schemas = [template_schema(), *schools]
        pending = schemas_with_pending(schemas)
        if pending:
            executor.run_migrations(tenants=list(pending))
        if int(options.get("verbosity", 1)) >= 1:
            skipped = len(schemas) - len(pending)
            self.stdout.write(
                f"Migrated {len(pending)} schema(s) (template included), {skipped} already up to date, "
                f"{len(schools)} school(s) in all, {time.perf_counter() - started:.1f}s."
            )
        return None

    @property
    def PUBLIC_SCHEMA_NAME(self):
        from django_tenants.utils import get_public_schema_name

        return get_public_schema_name()

    @PUBLIC_SCHEMA_NAME.setter
    def PUBLIC_SCHEMA_NAME(self, value):
        pass
