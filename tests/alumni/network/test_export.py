"""Member list export (XLSX): subtree only, phones whole for school admins and masked (or absent,
when the alumnus closed them) for chapter officers, filters kept, every export audited; the same
file from the president's mobile admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from alumni.core.models import AuditEntry
from alumni.network.models import Membership
from alumni.people.models import College, Degree
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in, xlsx_rows
from tests.conftest import inside

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "手机号", "所在组织", "职务", "加入时间", "学历", "城市"]


@pytest.fixture
def members(tree, school_a):
    with inside(school_a):
        college = College.objects.create(name="计算机科学与技术学院")
        shown, _ = network.make_person("公开")
        shown.phones = ["13912345678"]
        shown.city = "杭州"
        shown.privacy = {"phone": "chapters"}
        shown.save()
        Degree.objects.create(
            person=shown, level="bachelor", college=college, enrollment_year=2010, graduation_year=2014
        )
        Membership.objects.create(person=shown, organization=tree.a1)
        closed, _ = network.make_person("保密")
        closed.phones = ["13800001111"]
        closed.city = "南京"
        closed.privacy = {"city": "nobody", "degrees": "nobody"}  # phone: closed by default
        closed.save()
        Degree.objects.create(person=closed, level="master", college=college, enrollment_year=2015)
        Membership.objects.create(person=closed, organization=tree.a)
        tricky, _ = network.make_person("x")
        tricky.name = '=HYPERLINK("http://evil")'
        tricky.save()
        Membership.objects.create(person=tricky, organization=tree.a2)
        elsewhere, _ = network.make_person("上海成员")
        Membership.objects.create(person=elsewhere, organization=tree.b)
        return {"shown": shown, "closed": closed, "elsewhere": elsewhere}


def _by_name(rows):
    assert rows[0] == HEADER
    return {row[0]: row for row in rows[1:]}


def test_school_admin_gets_the_subtree_with_whole_phones(members, tree, admin_client_a, school_a):
    response = admin_client_a.get(f"/admin/network/{tree.a.pk}/members/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _by_name(xlsx_rows(response))
    assert members["elsewhere"].name not in rows
    assert len(rows) == 6  # president, admin, member of A, and the three above
    shown = rows[members["shown"].name]
    assert shown[1] == "13912345678" and shown[2] == "羽毛球俱乐部" and shown[3] == "会员"
    assert "计算机科学与技术学院" in shown[5] and "2010" in shown[5] and shown[6] == "杭州"
    closed = rows[members["closed"].name]
    assert closed[1] == "13800001111" and closed[6] == "南京"
    # A name that looks like a formula stays text.
    assert '\'=HYPERLINK("http://evil")' in rows
    with inside(school_a):
        entry = AuditEntry.objects.get(action="network.member_export")
        assert entry.after["phones"] == "full" and entry.after["rows"] == 6
        assert entry.object_id == str(tree.a.pk)


def test_president_gets_masked_phones_and_nothing_closed(members, tree, school_a):
    with inside(school_a):
        tree.users["president_a"].groups.add(Group.objects.get(name="Editors"))
    president = logged_in(school_a, tree.users["president_a"])
    rows = _by_name(xlsx_rows(president.get(f"/admin/network/{tree.a.pk}/members/export/")))
    shown = rows[members["shown"].name]
    assert shown[1] == "139****5678" and shown[6] == "杭州"
    closed = rows[members["closed"].name]
    assert closed[1] in (None, "") and closed[5] in (None, "") and closed[6] in (None, "")
    assert members["elsewhere"].name not in rows
    body = president.get(f"/admin/network/{tree.a.pk}/members/export/").content
    assert b"13912345678" not in body and b"13800001111" not in body
    with inside(school_a):
        assert AuditEntry.objects.filter(action="network.member_export", after__phones="masked").count() == 2


def test_export_keeps_the_filters(members, tree, admin_client_a):
    rows = _by_name(xlsx_rows(admin_client_a.get(f"/admin/network/{tree.a.pk}/members/export/?scope=sub")))
    assert set(rows) == {members["shown"].name, '\'=HYPERLINK("http://evil")'}
    rows = _by_name(xlsx_rows(admin_client_a.get(f"/admin/network/{tree.a.pk}/members/export/?year=2015")))
    assert set(rows) == {members["closed"].name}


def test_back_office_export_refused(members, tree, school_a, editor_client_a, alumnus_client_a, client_a):
    with inside(school_a):
        tree.users["president_a"].groups.add(Group.objects.get(name="Editors"))
    president = logged_in(school_a, tree.users["president_a"])
    assert president.get(f"/admin/network/{tree.b.pk}/members/export/").status_code in (302, 403)
    assert president.get(f"/admin/network/{tree.head.pk}/members/export/").status_code in (302, 403)
    admin_a_without_back_office = logged_in(school_a, tree.users["admin_a"])
    for refused in (editor_client_a, alumnus_client_a, admin_a_without_back_office):
        response = refused.get(f"/admin/network/{tree.a.pk}/members/export/")
        assert response.status_code in (302, 403)
        assert not response.get("Content-Type", "").startswith("application/vnd")
    response = client_a.get(f"/admin/network/{tree.a.pk}/members/export/")
    assert response.status_code == 302 and "login" in response["Location"]
    with inside(school_a):
        assert not AuditEntry.objects.filter(action="network.member_export").exists()


def test_mobile_export_per_role(members, tree, school_a, client_a):
    url = f"/orgs/manage/{tree.a.pk}/export/"
    for role in ("president_a", "admin_a"):
        client_a.force_login(tree.users[role])
        rows = _by_name(xlsx_rows(client_a.get(url)))
        assert rows[members["shown"].name][1] == "139****5678"
        assert members["elsewhere"].name not in rows
        assert client_a.get(f"/orgs/manage/{tree.b.pk}/export/").status_code == 403
    for role in ("member_a", "outsider"):
        client_a.force_login(tree.users[role])
        assert client_a.get(url).status_code == 403
    client_a.logout()
    response = client_a.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with inside(school_a):
        entries = AuditEntry.objects.filter(action="network.member_export")
        assert entries.count() == 2 and all(e.after["phones"] == "masked" for e in entries)
    client_a.force_login(tree.users["school_admin"])
    rows = _by_name(xlsx_rows(client_a.get(url)))
    assert rows[members["shown"].name][1] == "13912345678"


def test_other_school_cannot_export_alpha(members, tree, school_b, admin_client_b, client_b):
    assert admin_client_b.get(f"/admin/network/{tree.a.pk}/members/export/").status_code == 404
    with inside(school_b):
        client_b.force_login(get_user_model().objects.get(email="admin@beta.edu.cn"))
    assert client_b.get(f"/orgs/manage/{tree.a.pk}/export/").status_code == 404
