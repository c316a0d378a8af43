"""Fixtures and helpers for the invitation tests (star-imported by each test_invite*.py module).

Roles: the school admin (superuser), an editor of Wagtail's "Editors" group (back office, but not
an admin), an alumnus (an ordinary account), anonymous.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from alumni.messaging.services.invites import invite_create
from tests.conftest import host_of, inside

__all__ = [
    "PASSWORD",
    "admin_a",
    "admin_b",
    "admin_client_a",
    "admin_client_b",
    "alumnus_a",
    "alumnus_client_a",
    "editor_client_a",
    "logged_in",
    "make_invite",
    "make_user",
]

PASSWORD = "Xiaoyou-2024!"


def logged_in(school, user) -> Client:
    client = Client(HTTP_HOST=host_of(school))
    with inside(school):
        client.force_login(user)
    return client


def school_admin(school):
    with inside(school):
        return get_user_model().objects.get(email=f"admin@{school.subdomain}.edu.cn")


def make_user(school, *, name="张校友", phone="13800000001", email="", groups=()):
    with inside(school):
        user = get_user_model().objects.create_user(
            username=phone or email, name=name, phone=phone or None, email=email, password=PASSWORD
        )
        for group in groups:
            user.groups.add(Group.objects.get(name=group))
        return user


def make_invite(
    school,
    *,
    actor=None,
    name="李同学",
    channel="email",
    address="li@example.com",
    days=7,
    purpose="register",
    payload=None,
):
    """Create an invitation in ``school`` (logged only, nothing sent) → (invitation, secret)."""
    with inside(school):
        actor = actor or school_admin(school)
        invitation, url = invite_create(
            purpose=purpose,
            payload=payload or {},
            name=name,
            channel=channel,
            address=address,
            expires_in=timedelta(days=days),
            actor=actor,
            deliver="never",
        )
    secret = url.rstrip("/").rsplit("/", 1)[-1]
    return invitation, secret


@pytest.fixture
def admin_a(school_a):
    return school_admin(school_a)


@pytest.fixture
def admin_b(school_b):
    return school_admin(school_b)


@pytest.fixture
def admin_client_a(school_a, admin_a):
    return logged_in(school_a, admin_a)


@pytest.fixture
def admin_client_b(school_b, admin_b):
    return logged_in(school_b, admin_b)


@pytest.fixture
def alumnus_a(school_a):
    return make_user(school_a, name="校友小张", phone="13800000001")


@pytest.fixture
def alumnus_client_a(school_a, alumnus_a):
    return logged_in(school_a, alumnus_a)


@pytest.fixture
def editor_client_a(school_a):
    user = make_user(school_a, name="编辑", phone="", email="editor@alpha.edu.cn", groups=["Editors"])
    return logged_in(school_a, user)
