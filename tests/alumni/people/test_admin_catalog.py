"""Back office catalogs: colleges with former names, majors, custom fields, groups — all audited."""

from __future__ import annotations

import pytest

from alumni.core.models import AuditEntry
from alumni.people.models import AlumniGroup, College, CollegeAlias, CustomFieldDefinition, Major
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db

COLLEGES = "/admin/people/colleges/"


def test_roles(school_a, client_a, alumnus_client_a, editor_client_a, admin_client_a):
    with inside(school_a):
        College.objects.create(name="机械工程学院")
    for url in (COLLEGES, "/admin/people/majors/", "/admin/people/custom-fields/", "/admin/people/groups/"):
        assert client_a.get(url).status_code == 302
        assert alumnus_client_a.get(url).status_code == 302
        assert editor_client_a.get(url).status_code in (302, 403)
        assert admin_client_a.get(url).status_code == 200
    assert "机械工程学院" in admin_client_a.get(COLLEGES).content.decode()


def test_create_college_alias_and_major(school_a, admin_client_a, admin_a):
    response = admin_client_a.post(
        f"{COLLEGES}new/", {"name": "计算机科学与技术学院", "code": "CS", "sort_order": 1, "is_active": "on"}
    )
    assert response.status_code == 302
    with inside(school_a):
        college = College.objects.get(name="计算机科学与技术学院")
        entry = AuditEntry.objects.get(action="college.create")
        assert entry.actor == admin_a and entry.after["code"] == "CS"
    response = admin_client_a.post(
        "/admin/people/college-aliases/new/",
        {"college": college.pk, "name": "计算机系", "used_from": 1978, "used_until": 2001},
    )
    assert response.status_code == 302
    response = admin_client_a.post(
        "/admin/people/majors/new/", {"college": college.pk, "name": "软件工程", "code": "0802"}
    )
    assert response.status_code == 302
    page = admin_client_a.get(COLLEGES).content.decode()
    assert "计算机系（1978–2001）" in page and "1 个" in page
    with inside(school_a):
        assert CollegeAlias.objects.get(name="计算机系").college == college
        assert Major.objects.get(name="软件工程").college == college
        assert AuditEntry.objects.filter(action="college_alias.create").exists()
        assert AuditEntry.objects.filter(action="major.create").exists()


def test_alias_validation(school_a, admin_client_a):
    with inside(school_a):
        college = College.objects.create(name="法学院")
        College.objects.create(name="外国语学院")
    bad = [
        {"college": college.pk, "name": "外国语学院"},  # another college's current name
        {"college": college.pk, "name": "法律系", "used_from": 2000, "used_until": 1990},
    ]
    for data in bad:
        response = admin_client_a.post("/admin/people/college-aliases/new/", data)
        assert response.status_code == 200
    with inside(school_a):
        assert not CollegeAlias.objects.exists()


def test_edit_college_is_audited_with_before_and_after(school_a, admin_client_a):
    with inside(school_a):
        college = College.objects.create(name="管理学院")
    response = admin_client_a.post(
        f"{COLLEGES}edit/{college.pk}/", {"name": "经济管理学院", "sort_order": 0, "is_active": "on"}
    )
    assert response.status_code == 302
    with inside(school_a):
        entry = AuditEntry.objects.get(action="college.update")
        assert entry.before["name"] == "管理学院" and entry.after["name"] == "经济管理学院"


def test_college_in_use_cannot_be_deleted(colleges_a, school_a, admin_client_a):
    computer = colleges_a["computer"]
    with inside(school_a):
        make_person(degrees=[{"level": "bachelor", "college": computer}])
    admin_client_a.post(f"{COLLEGES}delete/{computer.pk}/")
    with inside(school_a):
        assert College.objects.filter(pk=computer.pk).exists()
    law = colleges_a["law"]
    assert admin_client_a.post(f"{COLLEGES}delete/{law.pk}/").status_code == 302
    with inside(school_a):
        assert not College.objects.filter(pk=law.pk).exists()
        assert AuditEntry.objects.filter(action="college.delete", object_repr="法学院").exists()


def test_custom_field_choice_needs_options(school_a, admin_client_a):
    base = {
        "label": "校友会职务",
        "key": "role",
        "field_type": "choice",
        "default_visibility": "alumni",
        "sort_order": 0,
        "is_active": "on",
    }
    assert admin_client_a.post("/admin/people/custom-fields/new/", {**base, "choices": ""}).status_code == 200
    response = admin_client_a.post(
        "/admin/people/custom-fields/new/", {**base, "choices": "会长\n理事\n\n会员", "required": "on"}
    )
    assert response.status_code == 302
    with inside(school_a):
        field = CustomFieldDefinition.objects.get(key="role")
        assert field.choices == ["会长", "理事", "会员"] and field.required
        assert AuditEntry.objects.filter(action="custom_field.create").exists()
    # The field appears on the person form, as a choice.
    page = admin_client_a.get("/admin/people/records/new/").content.decode()
    assert "校友会职务" in page and "理事" in page


def test_groups_and_membership_count(school_a, admin_client_a):
    assert (
        admin_client_a.post(
            "/admin/people/groups/new/", {"name": "2026 校庆嘉宾", "description": "受邀嘉宾"}
        ).status_code
        == 302
    )
    with inside(school_a):
        group = AlumniGroup.objects.get(name="2026 校庆嘉宾")
        make_person(name="张伟").groups.add(group)
    page = admin_client_a.get("/admin/people/groups/").content.decode()
    assert "2026 校庆嘉宾" in page and "1 人" in page
    listing = admin_client_a.get("/admin/people/records/", {"group": group.pk}).content.decode()
    assert "张伟" in listing


def test_isolation(school_a, school_b, admin_client_b):
    with inside(school_a):
        College.objects.create(name="阿尔法独有学院")
    assert "阿尔法独有学院" not in admin_client_b.get(COLLEGES).content.decode()
