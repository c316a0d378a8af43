"""Duplicate candidates: the four signals, dismissals, merged records, the page per role."""

from __future__ import annotations

from datetime import date

import pytest

from alumni.people.models import DuplicateDismissal, Person
from alumni.people.selectors.duplicates import duplicate_candidates, duplicate_candidates_count
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db

URL = "/admin/people/duplicates/"


def _reasons(a: Person, b: Person) -> set:
    for pair in duplicate_candidates(limit=500):
        if {pair.first.pk, pair.second.pk} == {a.pk, b.pk}:
            return set(pair.reasons)
    return set()


def test_signals(colleges_a):
    computer = colleges_a["computer"]
    a = make_person(name="陈静", phones=["13900000001", "13900000002"])
    b = make_person(name="陈晶", phones=["13900000002"])
    c = make_person(name="周杰", id_number="110105198001011234")
    d = make_person(name="周洁", id_number="110105198001011234")
    e = make_person(name="刘洋", birth_date=date(1985, 3, 4))
    f = make_person(name="刘洋", birth_date=date(1985, 3, 4), phones=["13900000001"])
    g = make_person(
        name="王磊", degrees=[{"level": "bachelor", "college": computer, "enrollment_year": 2001}]
    )
    h = make_person(
        name="王磊",
        degrees=[{"level": "master", "college": computer, "enrollment_year": 2001, "graduation_year": 2004}],
    )
    # Namesakes with different birth dates and no shared data are not suggested.
    i = make_person(name="李强", birth_date=date(1970, 1, 1))
    j = make_person(name="李强", birth_date=date(1990, 1, 1))
    k = make_person(
        name="王磊", degrees=[{"level": "bachelor", "college": colleges_a["law"], "enrollment_year": 2001}]
    )

    assert _reasons(a, b) == {"phone"}
    assert _reasons(c, d) == {"id_number"}
    assert _reasons(e, f) == {"name_birth"}
    assert _reasons(a, f) == {"phone"}
    assert _reasons(g, h) == {"name_degree"}
    assert _reasons(i, j) == set()
    assert _reasons(g, k) == set()
    assert duplicate_candidates_count() == 5
    # Most certain first: the ID-number pair leads.
    first = duplicate_candidates(limit=1)[0]
    assert {first.first.pk, first.second.pk} == {c.pk, d.pk}


def test_dismissed_and_merged_pairs_are_left_out(in_school_a):
    a = make_person(name="陈静", phones=["13900000001"])
    b = make_person(name="陈晶", phones=["13900000001"])
    c = make_person(name="陈菁", phones=["13900000001"])
    assert duplicate_candidates_count() == 3
    DuplicateDismissal.objects.create(first=a, second=b)
    assert _reasons(a, b) == set() and duplicate_candidates_count() == 2
    Person.objects.filter(pk=c.pk).update(merged_into=a)
    assert duplicate_candidates_count() == 0


def test_page_per_role(school_a, client_a, alumnus_client_a, editor_client_a, clerk_client_a, admin_client_a):
    with inside(school_a):
        make_person(name="陈静", phones=["13900000001"])
        make_person(name="陈晶", phones=["13900000001"])
    assert client_a.get(URL).status_code == 302
    assert "陈晶" not in alumnus_client_a.get(URL, follow=True).content.decode()
    assert editor_client_a.get(URL).status_code in (302, 403)
    for client in (clerk_client_a, admin_client_a):
        page = client.get(URL).content.decode()
        assert "陈静" in page and "陈晶" in page and "手机号相同" in page
    # The clerk sees masked phones, the admin the numbers.
    assert "13900000001" not in clerk_client_a.get(URL).content.decode()
    assert "13900000001" in admin_client_a.get(URL).content.decode()


def test_isolation(school_a, school_b, admin_client_b):
    with inside(school_a):
        make_person(name="陈静", phones=["13900000001"])
        make_person(name="陈晶", phones=["13900000001"])
    assert "陈静" not in admin_client_b.get(URL).content.decode()
    with inside(school_b):
        assert duplicate_candidates_count() == 0


def test_not_a_duplicate_button(school_a, admin_client_a, admin_a):
    with inside(school_a):
        a = make_person(name="陈静", phones=["13900000001"])
        b = make_person(name="陈晶", phones=["13900000001"])
    response = admin_client_a.post(f"{URL}dismiss/{b.pk}/{a.pk}/")
    assert response.status_code == 302
    with inside(school_a):
        assert DuplicateDismissal.objects.filter(first=a, second=b, dismissed_by=admin_a).exists()
        assert duplicate_candidates_count() == 0
    assert "陈晶" not in admin_client_a.get(URL).content.decode()


def test_dashboard_todo(school_a, admin_client_a, editor_client_a):
    with inside(school_a):
        make_person(name="陈静", phones=["13900000001"])
        make_person(name="陈晶", phones=["13900000001"])
    assert "疑似重复档案" in admin_client_a.get("/admin/").content.decode()
    assert "疑似重复档案" not in editor_client_a.get("/admin/").content.decode()


def test_cached_count_follows_changes(in_school_a, django_assert_max_num_queries):
    from alumni.people.selectors.duplicates import duplicate_candidates_count_cached

    a = make_person(name="陈静", phones=["13900000001"])
    b = make_person(name="陈晶", phones=["13900000001"])
    assert duplicate_candidates_count_cached() == 1
    # Unchanged data: the version check and the cache read (a database cache without Redis).
    with django_assert_max_num_queries(2):
        assert duplicate_candidates_count_cached() == 1
    make_person(name="陈菁", phones=["13900000001"])
    assert duplicate_candidates_count_cached() == 3
    DuplicateDismissal.objects.create(first=a, second=b)
    assert duplicate_candidates_count_cached() == 2
