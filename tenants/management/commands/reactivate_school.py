"""``reactivate_school``: bring a suspended school back online."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tenants.errors import TenantError
from tenants.selectors import school_by_subdomain
from tenants.services import school_reactivate, school_url


class Command(BaseCommand):
    help = "恢复一所已停用的学校。Reactivate a suspended school."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")

    def handle(self, *args, **options):
        school = school_by_subdomain(options["subdomain"])
        if school is None:
            raise CommandError(f"没有子域名为 {options['subdomain']!r} 的学校。")
        try:
            school = school_reactivate(school=school)
        except TenantError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已恢复 {school.name}：{school_url(school)}"))
