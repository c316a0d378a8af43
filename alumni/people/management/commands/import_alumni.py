"""``python manage.py import_alumni --school <schema> FILE [--dry-run] [--mapping JSON]``.

For operators migrating an old system: the same validation, identity matching and batched
writes as the back-office wizard, run in the foreground; prints a JSON summary at the end (rows
read, persons created/updated, degrees created/updated, every invalid row with number and reason).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import schema_context

from alumni.core.errors import ServiceError
from alumni.people.services.imports import import_file
from tenants.models import School


class Command(BaseCommand):
    help = "Import alumni records (XLSX or CSV) into a school; prints a JSON summary."

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx or .csv file (UTF-8 or GBK)")
        parser.add_argument("--school", required=True, help="the school's schema name")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument(
            "--mapping",
            default="",
            help='JSON of header label (or column index) → field, e.g. {"联系方式": "phone", "4": ""}',
        )

    def handle(self, *args, **options):
        school = School.objects.filter(schema_name=options["school"]).first()
        if school is None:
            raise CommandError(f"no school with schema {options['school']!r}")
        try:
            mapping = json.loads(options["mapping"]) if options["mapping"] else None
        except json.JSONDecodeError as error:
            raise CommandError(f"--mapping is not JSON: {error}") from error
        with schema_context(school.schema_name):
            connection.tenant = school
            try:
                summary = import_file(path=options["file"], mapping=mapping, dry_run=options["dry_run"])
            except ServiceError as error:
                raise CommandError(error.message) from error
            except FileNotFoundError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
