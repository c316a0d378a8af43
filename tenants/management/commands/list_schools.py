"""``list_schools``: every school with its schema, status, readiness and domain."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from tenants.selectors import school_host, school_list, school_user_counts


class Command(BaseCommand):
    help = "列出所有学校。List schools: subdomain, schema, status, ready, domain, created."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")
        parser.add_argument("--status", default="", help="只列出该状态：active / suspended / provisioning")
        parser.add_argument("--search", default="", help="按名称、子域名或域名搜索")

    def handle(self, *args, **options):
        schools = list(
            school_list(query=options["search"], status=options["status"]).order_by("created_at", "pk")
        )
        users = school_user_counts([school.schema_name for school in schools])
        rows = [
            {
                "subdomain": school.subdomain,
                "schema": school.schema_name,
                "name": school.name,
                "status": school.status,
                "ready": school.is_ready,
                "domain": school_host(school),
                "users": users.get(school.schema_name),
                "created": timezone.localtime(school.created_at).isoformat(timespec="seconds"),
            }
            for school in schools
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("（没有学校）")
            return
        columns = ["subdomain", "schema", "status", "ready", "domain", "users", "created", "name"]
        table = [columns] + [[self._cell(row[col]) for col in columns] for row in rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(columns) - 1)]
        for line in table:
            self.stdout.write(
                "  ".join([*(cell.ljust(w) for cell, w in zip(line, widths, strict=False)), line[-1]])
            )
        self.stdout.write(f"\n共 {len(rows)} 所学校。")

    @staticmethod
    def _cell(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "-" if value is None else str(value)
