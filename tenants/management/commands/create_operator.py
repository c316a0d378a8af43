"""``create_operator``: create (or update) a platform operator who can log into /console/."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from tenants.errors import TenantError
from tenants.services import operator_save, platform_url


class Command(BaseCommand):
    help = "创建或更新平台运营人员（公共库中的 staff 超级用户）。Create or update a console operator."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="")

    def handle(self, *args, **options):
        try:
            user, created = operator_save(
                email=options["email"],
                password=options["password"],
                name=options["name"].strip(),
                actor_label="命令行 create_operator",
            )
        except TenantError as exc:
            raise CommandError(exc.message) from exc
        verb = "已创建" if created else "已更新"
        self.stdout.write(self.style.SUCCESS(f"{verb}运营人员 {user.email}"))
        self.stdout.write(
            f"控制台: {platform_url(reverse('console:schools', urlconf=settings.PUBLIC_SCHEMA_URLCONF))}"
        )
