"""``python manage.py bootstrap_demo``: migrate, then the platform operator and two demo schools.

Used by ``make run``. Idempotent: the operator, the schools, their pages and their alumni are
created only when missing, so a second run only migrates and prints the URLs.

Logins (also in the README):
- platform operator (public schema): operator@alumni.cloud / operator-demo-2026
- school admins: admin@demo-a.edu.cn, admin@demo-b.edu.cn / demo-admin-2026
- demo alumni: any demo alumnus's phone or e-mail / alumni-demo-2026
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django_tenants.utils import schema_context

from alumni.core.demo import demo_alumni_build, demo_people
from alumni.events.demo import demo_events_build
from alumni.network.demo import demo_network_build
from alumni.people.demo import demo_records_build, demo_verified_links
from billing.payments.models import Provider
from billing.payments.selectors import provider_account
from billing.payments.services import provider_account_update
from cms.demo import DemoSiteProfile, demo_site_build
from tenants.models import School
from tenants.services import SchoolAdmin, operator_save, school_create, school_url

OPERATOR_EMAIL = "operator@alumni.cloud"
OPERATOR_PASSWORD = "operator-demo-2026"  # noqa: S105 - documented demo login
ADMIN_PASSWORD = "demo-admin-2026"  # noqa: S105 - documented demo login
ALUMNI_PASSWORD = "alumni-demo-2026"  # noqa: S105 - documented demo login


@dataclass(frozen=True)
class DemoSchool:
    subdomain: str
    name: str
    short_name: str
    colour: str
    alumni: int
    site: DemoSiteProfile

    @property
    def admin_email(self) -> str:
        return f"admin@{self.subdomain}.edu.cn"


DEMO_SCHOOLS = [
    DemoSchool(
        "demo-a",
        "明德大学",
        "明德",
        "#8b1a1a",
        48,
        DemoSiteProfile(
            anniversary=90,
            city="深圳",
            city_slug="shenzhen",
            city2="上海",
            news=(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
        ),
    ),
    DemoSchool(
        "demo-b",
        "致远理工大学",
        "致远理工",
        "#1f4e8c",
        36,
        DemoSiteProfile(
            anniversary=60,
            city="杭州",
            city_slug="hangzhou",
            city2="成都",
            news=(11, 1, 3, 2, 4, 10, 7, 8, 9),
        ),
    ),
]


class Command(BaseCommand):
    help = "Migrate, then create the platform operator and two demo schools with Chinese demo content."

    def add_arguments(self, parser):
        parser.add_argument("--skip-migrate", action="store_true", help="Do not run migrate first.")

    def handle(self, *args, **options):
        started = time.perf_counter()
        # Wagtail logs every page it creates and publishes at INFO; the demo makes dozens.
        logging.getLogger("wagtail").setLevel(logging.WARNING)
        if not options["skip_migrate"]:
            call_command("migrate", verbosity=max(0, options["verbosity"] - 1))
        connection.set_schema_to_public()
        self._operator()
        rows = []
        for spec in DEMO_SCHOOLS:
            school = self._school(spec)
            with schema_context(school.schema_name):
                connection.tenant = school
                admin = get_user_model().objects.get(email=spec.admin_email)
                site = demo_site_build(school=school, profile=spec.site, actor=admin)
                alumni = demo_alumni_build(
                    school=school, count=spec.alumni, password=ALUMNI_PASSWORD, actor=admin
                )
                demo_records_build(school=school, actor=admin)
                demo_verified_links(seed=f"demo-links-{spec.subdomain}")
                demo_network_build(school=school, actor=admin, seed=f"demo-network-{spec.subdomain}")
                demo_events_build(school=school, actor=admin, seed=f"demo-events-{spec.subdomain}")
                # Demo schools take payments through the labelled sandbox, even on a production server.
                sandbox = provider_account(Provider.SANDBOX)
                if sandbox is None or not sandbox.enabled:
                    provider_account_update(provider=Provider.SANDBOX, actor=admin, enabled=True)
            connection.set_schema_to_public()
            self.stdout.write(
                f"{spec.subdomain}: {site['news']} news, {site['about']} about page, {alumni} alumni created"
            )
            rows.append((spec, school))
        self._print_logins(rows, time.perf_counter() - started)

    def _operator(self) -> None:
        # Only when missing: operator_save would also reset a password the operator has changed.
        if not get_user_model().objects.filter(username=OPERATOR_EMAIL).exists():
            operator_save(email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD, name="平台运营")
            self.stdout.write(f"Created platform operator {OPERATOR_EMAIL}")

    def _school(self, spec: DemoSchool) -> School:
        school = School.objects.filter(subdomain=spec.subdomain).first()
        if school is not None:
            return school
        school = school_create(
            name=spec.name,
            short_name=spec.short_name,
            subdomain=spec.subdomain,
            admin=SchoolAdmin(
                email=spec.admin_email, password=ADMIN_PASSWORD, name=f"{spec.short_name}校友办"
            ),
            is_demo=True,
        )
        # Each demo school in its own colour, so the per-school branding is visible side by side.
        School.objects.filter(pk=school.pk).update(primary_color=spec.colour)
        school.primary_color = spec.colour
        self.stdout.write(f"Created demo school {spec.subdomain} ({spec.name})")
        return school

    def _print_logins(self, rows, seconds: float) -> None:
        port = settings.PLATFORM_PORT
        default_port = {"http": "80", "https": "443"}.get(settings.PLATFORM_SCHEME)
        netloc = (
            settings.PLATFORM_DOMAIN if port in ("", default_port) else f"{settings.PLATFORM_DOMAIN}:{port}"
        )
        platform = f"{settings.PLATFORM_SCHEME}://{netloc}"
        out = self.stdout.write
        out("")
        out(self.style.SUCCESS(f"校友云 Alumni Cloud demo is ready ({seconds:.1f}s)"))
        out(f"  Platform (sign-up)     {platform}/")
        out(f"  Operator console       {platform}/console/   {OPERATOR_EMAIL} / {OPERATOR_PASSWORD}")
        for spec, school in rows:
            sample = demo_people(spec.subdomain, 1)[0]
            out(f"  {spec.name} ({spec.subdomain})")
            out(f"    H5 home              {school_url(school)}")
            out(
                f"    Back office          {school_url(school, '/admin/')}   {spec.admin_email} / {ADMIN_PASSWORD}"
            )
            out(f"    Demo alumnus         {sample['phone']} or {sample['email']} / {ALUMNI_PASSWORD}")
            out(f"    API docs             {school_url(school, '/api/docs/')}")
        out("")
