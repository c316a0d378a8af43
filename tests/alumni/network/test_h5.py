"""Alumni-side H5 pages of the network: browse, organization page, apply, my organizations."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from alumni.network.models import JoinRequest, Membership, Organization, ReviewMode
from tests.alumni.network.support import *  # noqa: F403
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def test_anonymous_browses_and_searches_but_cannot_apply(client_a, school_a, tree):
    page = client_a.get("/orgs/").content.decode()
    assert "计算机学院校友会" in page and "上海校友会" in page
    page = client_a.get("/orgs/?q=上海").content.decode()
    assert "上海校友会" in page and "计算机学院校友会" not in page
    page = client_a.get("/orgs/?type=club").content.decode()
    assert "羽毛球俱乐部" in page and "上海校友会" not in page
    detail = client_a.get(f"/orgs/{tree.a.pk}/").content.decode()
    assert "登录后申请加入" in detail and "3 名成员" in detail and "会长" in detail
    with inside(school_a):
        before = JoinRequest.objects.count()
    response = client_a.post(f"/orgs/{tree.a.pk}/apply/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with inside(school_a):
        assert JoinRequest.objects.count() == before


def test_unlinked_account_is_prompted_to_verify(client_a, school_a, tree):
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="13700000001", phone="13700000001", password="x-Pass-12"
        )
        client_a.force_login(user)
    assert "去认证" in client_a.get(f"/orgs/{tree.a.pk}/").content.decode()
    response = client_a.post(f"/orgs/{tree.a.pk}/apply/")
    assert response.status_code == 302 and response["Location"].endswith("/alumni/verify/")
    assert "去认证" in client_a.get("/orgs/mine/").content.decode()


def test_linked_alumnus_joins_open_and_applies_to_approval(client_a, school_a, tree):
    with inside(school_a):
        Organization.objects.filter(pk=tree.b.pk).update(review_mode=ReviewMode.OPEN)
        client_a.force_login(tree.users["outsider"])
    page = client_a.post(f"/orgs/{tree.b.pk}/apply/", follow=True).content.decode()
    assert "已加入" in page
    page = client_a.post(f"/orgs/{tree.a.pk}/apply/", follow=True).content.decode()
    assert "已提交，等待审核" in page
    with inside(school_a):
        person = tree.persons["outsider"]
        assert Membership.objects.filter(person=person, organization_id=tree.b.pk).exists()
        assert not Membership.objects.filter(person=person, organization_id=tree.a.pk).exists()
        assert JoinRequest.objects.get(person=person, organization_id=tree.a.pk).status == "pending"
    mine = client_a.get("/orgs/mine/").content.decode()
    assert "上海校友会" in mine and "计算机学院校友会" not in mine


def test_other_school_sees_none_of_alpha(client_b, tree):
    assert "计算机学院校友会" not in client_b.get("/orgs/").content.decode()
    assert client_b.get(f"/orgs/{tree.a.pk}/").status_code == 404
