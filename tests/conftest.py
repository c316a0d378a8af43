"""Shared fixtures: two real schools on a real PostgreSQL, and helpers to act inside each.

The test database is migrated by our ``migrate`` (public schema + template). Two schools,
``alpha`` and ``beta``, are created once per session by the real provisioning service; every
isolation test checks that what happens in one never shows in the other.
"""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from tenants.models import Domain, School
from tenants.services import SchoolAdmin, school_create

SCHOOLS = {
    "alpha": ("阿尔法大学", "阿大", "admin@alpha.edu.cn"),
    "beta": ("贝塔理工大学", "贝理工", "admin@beta.edu.cn"),
}
ADMIN_PASSWORD = "Admin-pass-123"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create the two session schools once (kept across runs with --reuse-db)."""
    with django_db_blocker.unblock():
        for subdomain, (name, short, email) in SCHOOLS.items():
            if not School.objects.filter(subdomain=subdomain).exists():
                # A transactional test of an earlier --reuse-db run may have flushed the row.
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{subdomain}" CASCADE')
                school_create(
                    name=name,
                    short_name=short,
                    subdomain=subdomain,
                    admin=SchoolAdmin(email=email, password=ADMIN_PASSWORD, name=f"{short}管理员"),
                )
        connection.set_schema_to_public()
        _SNAPSHOT["schools"] = list(School.objects.filter(subdomain__in=SCHOOLS).values())
        _SNAPSHOT["domains"] = list(Domain.objects.filter(tenant__subdomain__in=SCHOOLS).values())


_SNAPSHOT: dict[str, list[dict]] = {}


def _restore_session_schools() -> None:
    """Put the session schools' rows back after a transactional test flushed the public schema.

    ``transactional_db`` truncates public tables (School, Domain) at teardown; the schools'
    schemas survive, so restoring the two rows brings the schools back as they were.
    """
    connection.set_schema_to_public()
    if School.objects.filter(subdomain__in=SCHOOLS).count() == len(SCHOOLS):
        return
    School.objects.bulk_create([School(**row) for row in _SNAPSHOT["schools"]], ignore_conflicts=True)
    Domain.objects.bulk_create([Domain(**row) for row in _SNAPSHOT["domains"]], ignore_conflicts=True)


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def school_a(db) -> School:
    _restore_session_schools()
    return School.objects.get(subdomain="alpha")


@pytest.fixture
def school_b(db) -> School:
    _restore_session_schools()
    return School.objects.get(subdomain="beta")


def host_of(school: School) -> str:
    return f"{school.subdomain}.localhost"


@pytest.fixture
def client_a(school_a) -> Client:
    return Client(HTTP_HOST=host_of(school_a))


@pytest.fixture
def client_b(school_b) -> Client:
    return Client(HTTP_HOST=host_of(school_b))


@pytest.fixture
def platform_client(db) -> Client:
    return Client(HTTP_HOST="localhost")


@contextlib.contextmanager
def inside(school: School):
    """Run a block inside a school's schema (with connection.tenant set to the school)."""
    with schema_context(school.schema_name):
        connection.tenant = school
        yield school


@pytest.fixture
def in_school_a(school_a):
    with inside(school_a):
        yield school_a


@pytest.fixture
def in_school_b(school_b):
    with inside(school_b):
        yield school_b
