"""Fixtures for the platform side: operators, a logged-in console client, schema helpers."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tenants.services import operator_save

OPERATOR_EMAIL = "ops@alumni.cloud"
OPERATOR_PASSWORD = "Ops-pass-2024"


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The sign-up throttle counts in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def operator(db):
    user, _ = operator_save(email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD, name="运营小王")
    return user


@pytest.fixture
def console(operator) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(operator)
    return client


def schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM information_schema.schemata")
        return {row[0] for row in cursor.fetchall()}


def table_exists(schema: str, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            [schema, table],
        )
        return cursor.fetchone() is not None
