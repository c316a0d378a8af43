"""The role helpers every feature builds on, checked for each role."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from rest_framework.test import APIRequestFactory

from alumni.core.permissions import (
    IsBackOfficeUser,
    IsSchoolAdmin,
    has_back_office,
    is_alumnus,
    is_school_admin,
)
from tests.conftest import inside


@pytest.fixture
def people(school_a):
    users = get_user_model().objects
    with inside(school_a):
        editor = users.create_user(username="perm-editor", email="pe@alpha.edu.cn", password="x-Pass-1234")
        editor.groups.add(Group.objects.get(name="Editors"))
        yield {
            "anonymous": AnonymousUser(),
            "alumnus": users.create_user(username="perm-alum", password="x-Pass-1234"),
            "editor": users.get(pk=editor.pk),
            "school_admin": users.get(email="admin@alpha.edu.cn"),
            "inactive_admin": users.create_user(
                username="perm-gone", password="x-Pass-1234", is_superuser=True, is_active=False
            ),
        }


EXPECTED = {
    #                 school admin, back office, alumnus
    "anonymous": (False, False, False),
    "alumnus": (False, False, True),
    "editor": (False, True, True),
    "school_admin": (True, True, True),
    "inactive_admin": (False, False, False),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role(people, role, school_a):
    user = people[role]
    with inside(school_a):
        assert (is_school_admin(user), has_back_office(user), is_alumnus(user)) == EXPECTED[role]
        request = APIRequestFactory().get("/api/v1/")
        request.user = user
        assert IsSchoolAdmin().has_permission(request, None) == EXPECTED[role][0]
        assert IsBackOfficeUser().has_permission(request, None) == EXPECTED[role][1]
