"""Rebuild the alumni search index of one school or of every ready school.

python manage.py reindex_people                 # every ready school
python manage.py reindex_people --school alpha  # one school (its schema name)
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import schema_context

from alumni.people.search import get_backend, reindex_all
from tenants.models import School
from tenants.tasks import schools_ready


class Command(BaseCommand):
    help = "重建校友搜索索引 (rebuild the alumni directory search index)"

    def add_arguments(self, parser):
        parser.add_argument("--school", help="学校的 schema 名称；不填则重建所有已开通学校")

    def handle(self, *args, school: str | None = None, **options):
        if school:
            schools = list(School.objects.filter(schema_name=school))
            if not schools:
                raise CommandError(f"没有 schema 为 {school!r} 的学校")
        else:
            schools = list(schools_ready())
        backend = get_backend().name
        for item in schools:
            started = time.perf_counter()
            with schema_context(item.schema_name):
                connection.tenant = item
                count = reindex_all()
            self.stdout.write(
                f"{item.schema_name}: {count} 位校友已索引 ({backend}, {time.perf_counter() - started:.1f}s)"
            )
        connection.set_schema_to_public()
