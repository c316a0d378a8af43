"""Alumni-side network API: list/search, detail, apply, mine."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from alumni.network.models import JoinRequest, Membership, Organization, ReviewMode
from tests.alumni.network.support import *  # noqa: F403
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_lists_and_reads_but_cannot_apply(client_a, tree):
    found = client_a.get("/api/v1/orgs/?q=上海").json()
    assert tree.b.pk in {o["id"] for o in found} and {o["name"] for o in found} == {"上海校友会"}
    clubs = client_a.get("/api/v1/orgs/?type=club").json()
    assert {tree.a1.pk, tree.a2.pk} <= {o["id"] for o in clubs} and {o["type"] for o in clubs} == {"club"}
    detail = client_a.get(f"/api/v1/orgs/{tree.a.pk}/").json()
    assert detail["member_count"] == 3 and detail["my_status"] == "none"
    assert {leader["role"] for leader in detail["leaders"]} == {"president", "admin"}
    assert client_a.post(f"/api/v1/orgs/{tree.a.pk}/apply/").status_code in (401, 403)
    assert client_a.get("/api/v1/orgs/mine/").status_code in (401, 403)


def test_unlinked_account_gets_account_not_linked(client_a, school_a, tree):
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="13700000002", phone="13700000002", password="x-Pass-12"
        )
        client_a.force_login(user)
    response = client_a.post(f"/api/v1/orgs/{tree.a.pk}/apply/", {}, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "account_not_linked"


def test_alumnus_applies_open_and_approval(client_a, school_a, tree):
    with inside(school_a):
        Organization.objects.filter(pk=tree.b.pk).update(review_mode=ReviewMode.OPEN)
        client_a.force_login(tree.users["outsider"])
    joined = client_a.post(f"/api/v1/orgs/{tree.b.pk}/apply/", {}, content_type="application/json")
    assert joined.status_code == 201 and joined.json() == {"status": "approved", "detail": "已加入"}
    pending = client_a.post(f"/api/v1/orgs/{tree.a.pk}/apply/", {}, content_type="application/json")
    assert pending.status_code == 201 and pending.json()["detail"] == "已提交，等待审核"
    again = client_a.post(f"/api/v1/orgs/{tree.a.pk}/apply/", {}, content_type="application/json")
    assert again.status_code == 409
    assert client_a.get(f"/api/v1/orgs/{tree.a.pk}/").json()["my_status"] == "pending"
    mine = client_a.get("/api/v1/orgs/mine/").json()
    assert [(m["id"], m["role"]) for m in mine] == [(tree.b.pk, "member")]
    with inside(school_a):
        person = tree.persons["outsider"]
        assert Membership.objects.filter(person=person, organization_id=tree.b.pk).exists()
        assert JoinRequest.objects.get(person=person, organization_id=tree.a.pk).status == "pending"


def test_isolation_between_schools(client_b, tree):
    assert "计算机学院校友会" not in {o["name"] for o in client_b.get("/api/v1/orgs/").json()}
    response = client_b.get(f"/api/v1/orgs/{tree.a.pk}/")
    assert response.status_code == 404 and response.json()["code"] == "organization_not_found"
