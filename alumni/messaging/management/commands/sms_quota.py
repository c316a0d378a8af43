"""Platform operators: show or set a school's yearly SMS quota.

manage.py sms_quota alpha                 # this year's usage
manage.py sms_quota alpha --set 200000    # raise this year's quota
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from alumni.core.errors import ServiceError
from alumni.messaging.services.quota import sms_quota_set, this_year
from tenants.models import School


class Command(BaseCommand):
    help = "Show or set a school's yearly SMS quota (default 100,000)."

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's subdomain")
        parser.add_argument("--set", dest="quota", type=int, help="the new yearly quota")
        parser.add_argument("--year", type=int, help="defaults to this year")

    def handle(self, *args, school, quota=None, year=None, **options):
        found = School.objects.filter(subdomain=school).first()
        if found is None:
            raise CommandError(f"No school with subdomain {school!r}")
        with schema_context(found.schema_name):
            from alumni.messaging.models import SmsUsage
            from alumni.messaging.services.quota import sms_quota_reserve

            try:
                usage = (
                    sms_quota_set(quota=quota, year=year)
                    if quota is not None
                    else SmsUsage.objects.filter(year=year or this_year()).first()
                    or sms_quota_reserve(count=0)
                )
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
        self.stdout.write(f"{found.subdomain} {usage.year}: used {usage.used} / quota {usage.quota}")
