"""Chapter presidents' mobile admin (/orgs/manage/): to-do list, one-tap review, member search,
a notice to the whole subtree; officers and school admins only, one school at a time."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model

from alumni.core.models import AuditEntry
from alumni.messaging.models import Notice
from alumni.network.models import JoinRequest, Membership
from tests.alumni.network.support import *  # noqa: F403
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def _apply(tree, school, name="申请人", org=None):
    with inside(school):
        person, _ = make_person(name)  # noqa: F405
        return JoinRequest.objects.create(person=person, organization=org or tree.a)


def test_president_sees_own_chapter_and_club_with_todo_counts(client_a, school_a, tree):
    _apply(tree, school_a)
    client_a.force_login(tree.users["president_a"])
    mine = client_a.get("/orgs/mine/").content.decode()
    assert "管理我的组织" in mine
    page = client_a.get("/orgs/manage/").content.decode()
    assert "计算机学院校友会" in page and "羽毛球俱乐部" in page and "摄影俱乐部" in page
    assert "上海校友会" not in page and "校友总会" not in page
    assert "1 条待审核申请" in page and "3 名成员" in page


def test_president_approves_with_one_post_and_rejects_with_reason(client_a, school_a, tree):
    first = _apply(tree, school_a, "小明")
    second = _apply(tree, school_a, "小红")
    client_a.force_login(tree.users["president_a"])
    page = client_a.get(f"/orgs/manage/{tree.a.pk}/").content.decode()
    assert first.person.name in page and "通过" in page and "拒绝" in page
    response = client_a.post(f"/orgs/manage/{tree.a.pk}/requests/{first.pk}/approve/")
    assert response.status_code == 302
    page = client_a.post(
        f"/orgs/manage/{tree.a.pk}/requests/{second.pk}/reject/", follow=True
    ).content.decode()
    assert "请填写拒绝理由" in page
    client_a.post(f"/orgs/manage/{tree.a.pk}/requests/{second.pk}/reject/", {"reason": "非本院校友"})
    with inside(school_a):
        assert JoinRequest.objects.get(pk=first.pk).status == "approved"
        assert Membership.objects.filter(person=first.person, organization_id=tree.a.pk).exists()
        rejected = JoinRequest.objects.get(pk=second.pk)
        assert rejected.status == "rejected" and rejected.reason == "非本院校友"
    page = client_a.get(f"/orgs/manage/{tree.a.pk}/").content.decode()
    assert "暂无待审核的申请" in page


def test_president_cannot_open_or_act_on_another_chapter(client_a, school_a, tree):
    request_b = _apply(tree, school_a, org=tree.b)
    client_a.force_login(tree.users["president_a"])
    assert client_a.get(f"/orgs/manage/{tree.b.pk}/").status_code == 403
    assert client_a.get(f"/orgs/manage/{tree.head.pk}/").status_code == 403
    response = client_a.post(f"/orgs/manage/{tree.b.pk}/requests/{request_b.pk}/approve/")
    assert response.status_code == 403
    # A request of B cannot be reached through A's page either.
    response = client_a.post(f"/orgs/manage/{tree.a.pk}/requests/{request_b.pk}/approve/")
    assert response.status_code == 404
    with inside(school_a):
        assert JoinRequest.objects.get(pk=request_b.pk).status == "pending"


@pytest.mark.parametrize("role", ["member_a", "outsider"])
def test_plain_member_is_refused(client_a, school_a, tree, role):
    join_request = _apply(tree, school_a)
    with inside(school_a):
        before = Notice.objects.count()
    client_a.force_login(tree.users[role])
    assert "管理我的组织" not in client_a.get("/orgs/mine/").content.decode()
    assert client_a.get("/orgs/manage/").status_code == 403
    assert client_a.get(f"/orgs/manage/{tree.a.pk}/").status_code == 403
    assert client_a.post(f"/orgs/manage/{tree.a.pk}/requests/{join_request.pk}/approve/").status_code == 403
    response = client_a.post(
        f"/orgs/manage/{tree.a.pk}/notice/", {"subject": "x", "text": "y", "key": uuid.uuid4()}
    )
    assert response.status_code == 403
    with inside(school_a):
        assert JoinRequest.objects.get(pk=join_request.pk).status == "pending"
        assert Notice.objects.count() == before


def test_anonymous_is_sent_to_login(client_a, school_a, tree):
    for url in ("/orgs/manage/", f"/orgs/manage/{tree.a.pk}/"):
        response = client_a.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client_a.post(f"/orgs/manage/{tree.a.pk}/notice/", {"subject": "x", "text": "y"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_school_admin_manages_everything(client_a, school_a, tree):
    client_a.force_login(tree.users["school_admin"])
    page = client_a.get("/orgs/manage/").content.decode()
    assert "校友总会" in page and "上海校友会" in page
    assert client_a.get(f"/orgs/manage/{tree.b.pk}/").status_code == 200


def test_member_search_is_limited_to_the_subtree(client_a, school_a, tree):
    with inside(school_a):
        club_person, _ = make_person("羽球张")  # noqa: F405
        Membership.objects.create(person=club_person, organization=tree.a1)
        other, _ = make_person("羽球李")  # noqa: F405
        Membership.objects.create(person=other, organization=tree.b)
    client_a.force_login(tree.users["president_a"])
    page = client_a.get(f"/orgs/manage/{tree.a.pk}/", {"q": "羽球"}).content.decode()
    assert club_person.name in page and other.name not in page
    page = client_a.get(f"/orgs/manage/{tree.a.pk}/", {"q": "无此人"}).content.decode()
    assert "没有找到该成员" in page


def test_notice_reaches_each_subtree_member_once(client_a, school_a, tree):
    with inside(school_a):
        club_person, club_user = make_person("俱乐部成员")  # noqa: F405
        Membership.objects.create(person=club_person, organization=tree.a1)
        Membership.objects.create(person=tree.persons["member_a"], organization=tree.a1)
        no_account, _ = make_person("无账号", user=False)  # noqa: F405
        Membership.objects.create(person=no_account, organization=tree.a)
        Membership.objects.create(person=tree.persons["outsider"], organization=tree.b)
        before = Notice.objects.count()
    client_a.force_login(tree.users["president_a"])
    key = uuid.uuid4()
    form = {"subject": "年会通知", "text": "12 月 20 日举办年会", "key": str(key)}
    page = client_a.post(f"/orgs/manage/{tree.a.pk}/notice/", form, follow=True).content.decode()
    assert "通知已发送给 4 名成员" in page
    client_a.post(f"/orgs/manage/{tree.a.pk}/notice/", form)  # a double submit of the same form
    with inside(school_a):
        for role in ("president_a", "admin_a", "member_a"):
            assert Notice.objects.filter(user=tree.users[role], title="年会通知").count() == 1
        assert Notice.objects.filter(user=club_user, title="年会通知").count() == 1
        assert not Notice.objects.filter(user=tree.users["outsider"]).exists()
        assert Notice.objects.count() == before + 4
        assert AuditEntry.objects.filter(action="network.org_notice").exists()
    client_a.force_login(club_user)
    assert "年会通知" in client_a.get("/messages/").content.decode()


def test_notice_requires_subject_and_text(client_a, school_a, tree):
    with inside(school_a):
        before = Notice.objects.count()
    client_a.force_login(tree.users["president_a"])
    page = client_a.post(
        f"/orgs/manage/{tree.a.pk}/notice/",
        {"subject": "", "text": "", "key": str(uuid.uuid4())},
        follow=True,
    ).content.decode()
    assert "请填写通知标题和内容" in page
    with inside(school_a):
        assert Notice.objects.count() == before


def test_other_school_sees_none_of_alpha(client_b, school_b, tree):
    with inside(school_b):
        client_b.force_login(get_user_model().objects.get(email="admin@beta.edu.cn"))
    response = client_b.get("/orgs/manage/")
    assert response.status_code == 200 and "计算机学院校友会" not in response.content.decode()
    assert client_b.get(f"/orgs/manage/{tree.a.pk}/").status_code == 404
