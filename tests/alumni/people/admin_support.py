"""Fixtures and helpers for the people back-office tests (star-imported by each test module).

Roles: the school admin (superuser: every permission, PII in full), a records clerk (admin
access and the people view/change permissions, but not ``view_pii``), an editor of Wagtail's
"Editors" group (admin access, no people permissions), an alumnus (no admin access), anonymous.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from openpyxl import load_workbook

from alumni.people.models import College, Major
from alumni.people.search import reindex_persons
from alumni.people.services.records import person_create
from tests.conftest import host_of, inside

__all__ = [
    "admin_a",
    "admin_client_a",
    "admin_client_b",
    "alumnus_client_a",
    "clerk_client_a",
    "colleges_a",
    "editor_client_a",
    "logged_in",
    "make_person",
    "xlsx_rows",
]


def logged_in(school, user) -> Client:
    client = Client(HTTP_HOST=host_of(school))
    with inside(school):
        client.force_login(user)
    return client


def _admin(school):
    with inside(school):
        return get_user_model().objects.get(email=f"admin@{school.subdomain}.edu.cn")


@pytest.fixture
def admin_a(school_a):
    return _admin(school_a)


@pytest.fixture
def admin_client_a(school_a, admin_a):
    return logged_in(school_a, admin_a)


@pytest.fixture
def admin_client_b(school_b):
    return logged_in(school_b, _admin(school_b))


@pytest.fixture
def alumnus_client_a(school_a):
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="13800000009", phone="13800000009", name="校友小李", password="Alumnus-pass-123"
        )
    return logged_in(school_a, user)


@pytest.fixture
def editor_client_a(school_a):
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="editor9", email="editor9@alpha.edu.cn", name="编辑"
        )
        user.groups.add(Group.objects.get(name="Editors"))
    return logged_in(school_a, user)


@pytest.fixture
def clerk_client_a(school_a):
    """Back-office user with people view/change/add permissions but not view_pii."""
    with inside(school_a):
        group = Group.objects.create(name="档案员")
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
            *Permission.objects.filter(
                content_type__app_label="people",
                codename__in=["view_person", "change_person", "add_person", "change_claim"],
            ),
        )
        user = get_user_model().objects.create_user(
            username="clerk", email="clerk@alpha.edu.cn", name="档案员"
        )
        user.groups.add(group)
    return logged_in(school_a, user)


@pytest.fixture
def colleges_a(in_school_a):
    computer = College.objects.create(name="计算机科学与技术学院")
    law = College.objects.create(name="法学院")
    Major.objects.create(college=computer, name="软件工程")
    return {"computer": computer, "law": law}


def make_person(*, degrees=None, **fields):
    """A record through the real service (call inside a school), already in the search index
    (the index follows commits, and a test's transaction never commits)."""
    fields.setdefault("name", "张伟")
    person = person_create(degrees=degrees or [], **fields)
    reindex_persons([person.pk])
    return person


def xlsx_rows(response) -> list[list]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(BytesIO(body)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]
