"""Back-office fixtures: logged-in clients for each school's admin, an alumnus and a plain editor."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import translation

from tests.conftest import host_of, inside

ALUMNUS_PASSWORD = "Alumnus-pass-123"


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # LocaleMiddleware leaves the last request's language active in the thread; a test that
    # switched to English must not make later tests (here or elsewhere) see English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def logged_in(school, user) -> Client:
    """A client on the school's host with ``user`` logged in (session stored in that school)."""
    client = Client(HTTP_HOST=host_of(school))
    with inside(school):
        client.force_login(user)
    return client


def school_admin(school):
    with inside(school):
        return get_user_model().objects.get(email=f"admin@{school.subdomain}.edu.cn")


@pytest.fixture
def admin_a(school_a):
    return school_admin(school_a)


@pytest.fixture
def admin_b(school_b):
    return school_admin(school_b)


@pytest.fixture
def admin_client_a(school_a, admin_a) -> Client:
    return logged_in(school_a, admin_a)


@pytest.fixture
def admin_client_b(school_b, admin_b) -> Client:
    return logged_in(school_b, admin_b)


@pytest.fixture
def alumnus_client_a(school_a) -> Client:
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="13800000001", phone="13800000001", name="校友小张", password=ALUMNUS_PASSWORD
        )
    return logged_in(school_a, user)


@pytest.fixture
def editor_client_a(school_a) -> Client:
    """A back-office user of Wagtail's "Editors" group: admin access, no audit-log permission."""
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="editor", email="editor@alpha.edu.cn", name="编辑"
        )
        user.groups.add(Group.objects.get(name="Editors"))
    return logged_in(school_a, user)
