"""``suspend_school``: take a school offline (its hosts show a notice; periodic jobs skip it)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tenants.errors import TenantError
from tenants.selectors import school_by_subdomain
from tenants.services import school_suspend


class Command(BaseCommand):
    help = "停用一所学校。Suspend a school."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")
        parser.add_argument("--reason", required=True, help="停用原因（会显示在该校的停用提示页上）")

    def handle(self, *args, **options):
        school = school_by_subdomain(options["subdomain"])
        if school is None:
            raise CommandError(f"没有子域名为 {options['subdomain']!r} 的学校。")
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("请用 --reason 说明停用原因。")
        try:
            school = school_suspend(school=school, reason=reason)
        except TenantError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已停用 {school.name}（{school.subdomain}）：{reason}"))
