"""Back office: the claims review queue at /admin/people/claims/ and its three decisions."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from alumni.core.models import AuditEntry
from alumni.people.models import AccountLink, Claim, Person
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db

URL = "/admin/people/claims/"


@pytest.fixture
def claim_a(colleges_a, school_a):
    computer = colleges_a["computer"]
    with inside(school_a):
        one = make_person(
            name="王芳",
            birth_date=date(1990, 2, 3),
            phones=["13600001111"],
            degrees=[
                {
                    "level": "bachelor",
                    "college": computer,
                    "enrollment_year": 2008,
                    "student_number": "2008001",
                }
            ],
        )
        two = make_person(
            name="王芳",
            birth_date=date(1991, 5, 6),
            degrees=[{"level": "bachelor", "college": computer, "enrollment_year": 2009}],
        )
        other = make_person(name="王芳菲", company="银河证券")
        user = get_user_model().objects.create_user(username="13611112222", phone="13611112222", name="王芳")
        claim = Claim.objects.create(
            user=user,
            method="profile",
            name="王芳",
            enrollment_year=2008,
            college=computer,
            birth_date=date(1990, 2, 3),
            candidates=[one.pk, two.pk],
            details={"note": "我是 08 级计科的"},
        )
    return {"claim": claim, "one": one, "two": two, "other": other, "user": user}


def test_roles(claim_a, client_a, alumnus_client_a, editor_client_a, clerk_client_a, admin_client_a):
    assert client_a.get(URL).status_code == 302
    assert "08 级计科" not in alumnus_client_a.get(URL, follow=True).content.decode()
    assert editor_client_a.get(URL).status_code in (302, 403)
    for client in (clerk_client_a, admin_client_a):
        page = client.get(URL).content.decode()
        assert "我是 08 级计科的" in page and "2008001" in page and "1991-05-06" in page


def test_queue_is_per_school(claim_a, admin_client_b):
    assert "王芳" not in admin_client_b.get(URL).content.decode()
    assert admin_client_b.get(f"{URL}{claim_a['claim'].pk}/").status_code == 404


def test_link_a_candidate(claim_a, admin_client_a, admin_a, school_a):
    claim, one = claim_a["claim"], claim_a["one"]
    response = admin_client_a.post(f"{URL}{claim.pk}/approve/", {"person": one.pk})
    assert response.status_code == 302
    with inside(school_a):
        claim.refresh_from_db()
        assert claim.status == "approved" and claim.person == one and claim.reviewer == admin_a
        assert AccountLink.objects.get(user=claim_a["user"]).person == one
        assert Person.objects.get(pk=one.pk).verification == "verified"
    assert "暂无待审核的认证申请" in admin_client_a.get(URL).content.decode()


def test_search_another_record_and_link(claim_a, admin_client_a, school_a):
    claim, other = claim_a["claim"], claim_a["other"]
    page = admin_client_a.get(f"{URL}{claim.pk}/", {"q": "银河"}).content.decode()
    assert "王芳菲" in page
    admin_client_a.post(f"{URL}{claim.pk}/approve/", {"person": other.pk})
    with inside(school_a):
        assert AccountLink.objects.get(user=claim_a["user"]).person == other


def test_create_new_record(claim_a, admin_client_a, school_a):
    claim = claim_a["claim"]
    assert admin_client_a.post(f"{URL}{claim.pk}/create/").status_code == 302
    with inside(school_a):
        claim.refresh_from_db()
        person = claim.person
        assert person not in (claim_a["one"], claim_a["two"]) and person.name == "王芳"
        assert person.birth_date == date(1990, 2, 3) and person.verification == "verified"
        assert AuditEntry.objects.filter(action="claim.create_person").exists()


def test_reject_needs_a_reason(claim_a, admin_client_a, school_a):
    claim = claim_a["claim"]
    page = admin_client_a.post(f"{URL}{claim.pk}/reject/", {"reason": " "}, follow=True).content.decode()
    assert "驳回原因" in page
    with inside(school_a):
        claim.refresh_from_db()
        assert claim.status == "pending"
    admin_client_a.post(f"{URL}{claim.pk}/reject/", {"reason": "学号与姓名不符，请核对后重新提交"})
    with inside(school_a):
        claim.refresh_from_db()
        assert claim.status == "rejected" and claim.reject_reason == "学号与姓名不符，请核对后重新提交"


def test_decided_claim_cannot_be_decided_again(claim_a, admin_client_a, school_a):
    claim = claim_a["claim"]
    admin_client_a.post(f"{URL}{claim.pk}/reject/", {"reason": "信息不符"})
    page = admin_client_a.post(f"{URL}{claim.pk}/approve/", {"person": claim_a["one"].pk}, follow=True)
    assert page.status_code == 200
    with inside(school_a):
        claim.refresh_from_db()
        assert claim.status == "rejected" and not AccountLink.objects.filter(user=claim_a["user"]).exists()


def test_editor_cannot_decide(claim_a, editor_client_a, school_a):
    claim = claim_a["claim"]
    editor_client_a.post(f"{URL}{claim.pk}/reject/", {"reason": "不行"})
    with inside(school_a):
        claim.refresh_from_db()
        assert claim.status == "pending"
