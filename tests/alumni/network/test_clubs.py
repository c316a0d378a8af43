"""Applications to found a club (创建俱乐部申请): who may apply (verified alumni, under the head
association or their own chapter), who may decide (school admins and officers of the head
association only), what the applicant is told, the back-office review, isolation, and two
reviewers approving at once."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory

from alumni.core.models import AuditEntry
from alumni.core.todos import todo_items
from alumni.messaging.models import MessageLog
from alumni.network.errors import ClubApplicationDecided
from alumni.network.models import ClubApplication, Membership, OrgActivity, Organization, OrgType, Role
from alumni.network.services import club_application_approve, club_application_submit
from alumni.people.models import Person
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in
from tests.conftest import inside

pytestmark = pytest.mark.django_db

APPLY = "/orgs/clubs/apply/"
MINE = "/orgs/clubs/mine/"
API = "/api/v1/orgs/clubs/applications/"
REVIEW = "/admin/network/clubs/"
FORM = {"name": "校友围棋社", "purpose": "以棋会友", "introduction": "每月一次对弈"}


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def people(tree, school_a):
    """The tree's roles plus an officer of the head association and two kinds of unverified
    accounts: one with no alumni record, one linked to a record that is not verified."""
    with inside(school_a):
        head_officer, head_user = network.make_person("head_officer")
        Membership.objects.create(person=head_officer, organization=tree.head, role=Role.ADMIN)
        tree.users["head_officer"] = head_user
        tree.persons["head_officer"] = head_officer
        tree.persons["unverified"], tree.users["unverified"] = network.make_person(
            "unverified", verified=False
        )
        tree.users["unlinked"] = get_user_model().objects.create_user(
            username="13600000077", phone="13600000077", password="x-Pass-12"
        )
    return tree


def _client(school, user, client_a):
    return client_a if not user.is_authenticated else logged_in(school, user)


@pytest.fixture
def application(people, school_a):
    with inside(school_a):
        return club_application_submit(
            person=people.persons["member_a"], parent=people.a, actor=people.users["member_a"], **FORM
        )


def test_only_verified_alumni_can_apply(people, school_a, client_a):
    response = client_a.get(APPLY)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert _post(client_a, API, FORM).status_code in (401, 403)
    unlinked = logged_in(school_a, people.users["unlinked"])
    assert "去认证" in unlinked.get(APPLY).content.decode()
    assert _post(unlinked, API, FORM).json()["code"] == "account_not_linked"
    unverified = logged_in(school_a, people.users["unverified"])
    assert "去认证" in unverified.get(APPLY).content.decode()
    response = _post(unverified, API, FORM)
    assert response.status_code == 403 and response.json()["code"] == "alumnus_not_verified"
    unverified.post(APPLY, FORM)
    with inside(school_a):
        assert not ClubApplication.objects.exists()


def test_outsider_applies_under_the_head_association_by_default(people, school_a):
    client = logged_in(school_a, people.users["outsider"])
    form = client.get(APPLY).content.decode()
    assert "校友总会" in form and "计算机学院校友会" not in form  # only their own chapters offered
    response = _post(client, API, FORM)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and body["parent_id"] == people.head.pk
    assert _post(client, API, FORM).json()["code"] == "club_application_pending"
    assert [a["name"] for a in client.get(API).json()] == ["校友围棋社"]
    # A chapter they do not belong to (B, or A) cannot be chosen.
    for chapter in (people.a, people.b):
        refused = _post(client, API, {**FORM, "name": "别的社", "parent_id": chapter.pk})
        assert refused.status_code == 400 and refused.json()["code"] == "club_application_invalid"
    taken = _post(client, API, {**FORM, "name": "羽毛球俱乐部"})
    assert taken.status_code == 409 and taken.json()["code"] == "club_name_taken"
    with inside(school_a):
        assert AuditEntry.objects.filter(action="network.club_apply").count() == 1


def test_member_applies_under_their_chapter_on_h5(people, school_a):
    client = logged_in(school_a, people.users["member_a"])
    assert "计算机学院校友会" in client.get(APPLY).content.decode()
    response = client.post(APPLY, {**FORM, "parent": people.a.pk})
    assert response.status_code == 302 and response["Location"] == MINE
    page = client.get(MINE).content.decode()
    assert "校友围棋社" in page and "待审核" in page and "计算机学院校友会" in page
    # Chapter B is not theirs: the form refuses it and nothing is filed.
    client.post(APPLY, {**FORM, "name": "上海围棋社", "parent": people.b.pk})
    with inside(school_a):
        assert list(ClubApplication.objects.values_list("name", "parent_id")) == [("校友围棋社", people.a.pk)]


@pytest.mark.parametrize(
    "role", ["president_a", "admin_a", "member_a", "outsider", "unverified", "unlinked", "anonymous"]
)
def test_who_cannot_review(role, people, application, school_a, client_a):
    client = _client(school_a, people.users[role], client_a)
    assert client.get(f"{API}pending/").status_code in (401, 403)
    assert _post(client, f"{API}{application.pk}/approve/").status_code in (401, 403)
    assert _post(client, f"{API}{application.pk}/reject/", {"reason": "不行"}).status_code in (401, 403)
    assert client.get(REVIEW).status_code in (302, 403)
    assert client.post(f"{REVIEW}{application.pk}/approve/").status_code in (302, 403)
    with inside(school_a):
        assert ClubApplication.objects.get(pk=application.pk).status == "pending"
        assert not Organization.objects.filter(name="校友围棋社").exists()
        request = RequestFactory().get("/admin/")
        request.user = people.users[role]
        assert not [i for i in todo_items(request) if i.label == "待审核的创建俱乐部申请"]


def test_head_officer_approves_the_club_is_founded(people, application, school_a):
    client = logged_in(school_a, people.users["head_officer"])
    pending = client.get(f"{API}pending/").json()
    assert [(a["name"], a["applicant_name"]) for a in pending] == [
        ("校友围棋社", people.persons["member_a"].name)
    ]
    response = _post(client, f"{API}{application.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = _post(client, f"{API}{application.pk}/approve/")
    assert again.status_code == 409 and again.json()["code"] == "club_application_decided"
    with inside(school_a):
        club = Organization.objects.get(name="校友围棋社")
        assert club.type == OrgType.CLUB and club.get_parent().pk == people.a.pk
        assert club.introduction == "每月一次对弈"
        assert Membership.objects.get(organization=club).person_id == people.persons["member_a"].pk
        assert Membership.objects.get(organization=club).role == Role.PRESIDENT
        assert ClubApplication.objects.get(pk=application.pk).created_club_id == club.pk
        notice = MessageLog.objects.get(idempotency_key=f"club-application:{application.pk}:approved")
        assert notice.user_id == people.users["member_a"].pk and "已成立" in notice.body
        assert notice.payload["url"] == f"/orgs/{club.pk}/"
        assert AuditEntry.objects.filter(action="network.club_approve").count() == 1
        assert OrgActivity.objects.filter(organization=club, kind="org_created").exists()
    # The new president now manages the club from the mobile admin.
    president = logged_in(school_a, people.users["member_a"])
    assert "校友围棋社" in president.get(MINE).content.decode()
    assert president.get(f"/orgs/manage/{club.pk}/").status_code == 200


def test_school_admin_reviews_in_the_back_office(people, application, school_a, admin_client_a, admin_a):
    page = admin_client_a.get(REVIEW).content.decode()
    assert "校友围棋社" in page and "以棋会友" in page
    with inside(school_a):
        request = RequestFactory().get("/admin/")
        request.user = admin_a
        items = [i for i in todo_items(request) if i.label == "待审核的创建俱乐部申请"]
        assert items[0].count == 1 and items[0].url == REVIEW
    # A rejection needs a reason.
    admin_client_a.post(f"{REVIEW}{application.pk}/reject/", {"reason": " "})
    with inside(school_a):
        assert ClubApplication.objects.get(pk=application.pk).status == "pending"
    response = admin_client_a.post(f"{REVIEW}{application.pk}/reject/", {"reason": "同类俱乐部已有"})
    assert response.status_code == 302 and response["Location"] == REVIEW
    page = admin_client_a.get(REVIEW).content.decode()
    assert "暂无待审核的创建俱乐部申请" in page and "同类俱乐部已有" in page
    with inside(school_a):
        app = ClubApplication.objects.get(pk=application.pk)
        assert app.status == "rejected" and app.reviewer_id == admin_a.pk
        notice = MessageLog.objects.get(idempotency_key=f"club-application:{application.pk}:rejected")
        assert "同类俱乐部已有" in notice.body
        assert not Organization.objects.filter(name="校友围棋社").exists()
    applicant = logged_in(school_a, people.users["member_a"])
    page = applicant.get(MINE).content.decode()
    assert "已拒绝" in page and "同类俱乐部已有" in page


def test_other_school_never_sees_alpha_applications(people, application, school_b, admin_client_b):
    assert "校友围棋社" not in admin_client_b.get(REVIEW).content.decode()
    assert admin_client_b.get(f"{API}pending/").json() == []
    assert _post(admin_client_b, f"{API}{application.pk}/approve/").status_code == 404
    assert admin_client_b.post(f"{REVIEW}{application.pk}/approve/").status_code == 404
    with inside(school_b):
        assert not Organization.objects.filter(name="校友围棋社").exists()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_found_one_club(school_a):
    try:
        with inside(school_a):
            tree = network.build_tree()
            officer, officer_user = network.make_person("head_officer")
            Membership.objects.create(person=officer, organization=tree.head, role=Role.ADMIN)
            app = club_application_submit(
                person=tree.persons["outsider"], name="校友跑团", purpose="一起跑步"
            )
        reviewers = [tree.users["school_admin"], officer_user]
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def approve(actor):
            try:
                with inside(school_a):
                    barrier.wait(timeout=10)
                    club_application_approve(application=app, actor=actor)
                outcomes.append("approved")
            except ClubApplicationDecided:
                outcomes.append("refused")
            finally:
                connection.close()

        threads = [threading.Thread(target=approve, args=(actor,)) for actor in reviewers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["approved", "refused"]
        with inside(school_a):
            assert Organization.objects.filter(name="校友跑团").count() == 1
            assert AuditEntry.objects.filter(action="network.club_approve").count() == 1
            assert (
                MessageLog.objects.filter(idempotency_key__startswith=f"club-application:{app.pk}:").count()
                == 1
            )
    finally:
        with inside(school_a):
            MessageLog.objects.filter(idempotency_key__startswith="club-application:").delete()
            ClubApplication.objects.all().delete()
            AuditEntry.objects.filter(action__startswith="network.").delete()
            Organization.objects.filter(depth__gt=1).delete()
            OrgActivity.objects.all().delete()
            for key in ("president_a", "admin_a", "member_a", "outsider", "head_officer"):
                Person.objects.filter(name__startswith=key).delete()
                get_user_model().objects.filter(name__startswith=key).delete()
