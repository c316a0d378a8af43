"""Back office: the alumni list (filters, search, masking), export, inspect, create and edit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from alumni.accounts.models import WeChatIdentity
from alumni.core.models import AuditEntry
from alumni.people.models import AccountLink, Person
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import make_person, xlsx_rows
from tests.conftest import inside

pytestmark = pytest.mark.django_db

LIST = "/admin/people/records/"


@pytest.fixture
def records_a(colleges_a, school_a):
    computer, law = colleges_a["computer"], colleges_a["law"]
    with inside(school_a):
        zhang = make_person(
            name="张伟",
            phones=["13912345678"],
            city="深圳",
            province="广东",
            company="腾讯科技",
            industry="互联网",
            tags=["理事"],
            id_number="110105198001011234",
            birth_date=date(1980, 1, 1),
            is_vip=True,
            degrees=[
                {"level": "bachelor", "college": computer, "enrollment_year": 2008, "graduation_year": 2012},
                {"level": "master", "college": law, "enrollment_year": 2012, "graduation_year": 2015},
            ],
        )
        li = make_person(
            name="李娜",
            phones=["13700001111"],
            city="北京",
            degrees=[{"level": "bachelor", "college": law, "enrollment_year": 2008, "graduation_year": 2012}],
        )
    return {"zhang": zhang, "li": li, **colleges_a}


def _names(response) -> str:
    return response.content.decode()


def test_roles_on_the_list(
    records_a, client_a, alumnus_client_a, editor_client_a, clerk_client_a, admin_client_a
):
    assert client_a.get(LIST).status_code == 302  # to the login page
    assert "张伟" not in _names(alumnus_client_a.get(LIST, follow=True))
    editor = editor_client_a.get(LIST)
    assert editor.status_code in (302, 403) and "张伟" not in editor.content.decode()
    assert "张伟" in _names(clerk_client_a.get(LIST))
    page = admin_client_a.get(LIST)
    assert page.status_code == 200 and "张伟" in _names(page) and "李娜" in _names(page)


def test_list_masks_phones_unless_view_pii(records_a, clerk_client_a, admin_client_a):
    clerk = _names(clerk_client_a.get(LIST))
    assert "139****5678" in clerk and "13912345678" not in clerk
    assert "13912345678" in _names(admin_client_a.get(LIST))


def test_degree_filters_hold_for_one_degree(records_a, admin_client_a):
    computer, law = records_a["computer"], records_a["law"]
    # 张伟: 计算机 2012 and 法学院 2015; 李娜: 法学院 2012.
    page = _names(admin_client_a.get(LIST, {"college": law.pk, "graduation_year": 2012}))
    assert "李娜" in page and "张伟" not in page
    page = _names(admin_client_a.get(LIST, {"college": computer.pk, "level": "bachelor"}))
    assert "张伟" in page and "李娜" not in page


def test_person_filters(records_a, admin_client_a):
    assert "李娜" not in _names(admin_client_a.get(LIST, {"is_vip": "true"}))
    page = _names(admin_client_a.get(LIST, {"city": "北京"}))
    assert "李娜" in page and "张伟" not in page
    page = _names(admin_client_a.get(LIST, {"tag": "理事", "industry": "互联网", "province": "广东"}))
    assert "张伟" in page and "李娜" not in page


def test_search_by_pinyin_initials_and_company(records_a, admin_client_a):
    for query in ("zhangwei", "zw", "腾讯", "张伟"):
        page = _names(admin_client_a.get(LIST, {"q": query}))
        assert "张伟" in page and "李娜" not in page, query


def test_merged_records_are_not_listed(records_a, admin_client_a, school_a):
    with inside(school_a):
        Person.objects.filter(pk=records_a["li"].pk).update(merged_into=records_a["zhang"])
    assert "李娜" not in _names(admin_client_a.get(LIST))


def test_isolation_list_and_export(records_a, admin_client_b, school_b):
    with inside(school_b):
        make_person(name="王芳", phones=["13600002222"])
    page = _names(admin_client_b.get(LIST))
    assert "王芳" in page and "张伟" not in page
    rows = xlsx_rows(admin_client_b.get(LIST, {"export": "xlsx"}))
    names = [row[1] for row in rows[1:]]
    assert names == ["王芳"]


def test_export_masks_by_role(records_a, admin_client_a, clerk_client_a):
    admin_rows = xlsx_rows(admin_client_a.get(LIST, {"export": "xlsx", "q": "张伟"}))
    header = admin_rows[0]
    assert header[:6] == ["编号", "姓名", "性别", "出生日期", "身份证号", "手机号"]
    zhang = dict(zip(header, admin_rows[1], strict=True))
    assert zhang["身份证号"] == "110105198001011234" and zhang["手机号"] == "13912345678"
    assert "计算机科学与技术学院" in zhang["学历"] and zhang["重要校友"] == "是"
    clerk_rows = xlsx_rows(clerk_client_a.get(LIST, {"export": "xlsx", "q": "张伟"}))
    zhang = dict(zip(clerk_rows[0], clerk_rows[1], strict=True))
    assert zhang["身份证号"] == "110105********1234" and zhang["手机号"] == "139****5678"
    # The CSV export is masked the same way.
    csv = b"".join(clerk_client_a.get(LIST, {"export": "csv"}).streaming_content).decode()
    assert "13912345678" not in csv and "139****5678" in csv


def test_export_follows_filters(records_a, admin_client_a):
    rows = xlsx_rows(admin_client_a.get(LIST, {"export": "xlsx", "city": "北京"}))
    assert [row[1] for row in rows[1:]] == ["李娜"]


def test_inspect_shows_degrees_accounts_wechat_and_history(
    records_a, admin_client_a, clerk_client_a, school_a
):
    zhang = records_a["zhang"]
    with inside(school_a):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user(username="zw", name="张伟本人", phone="13912345678")
        AccountLink.objects.create(user=user, person=zhang)
        WeChatIdentity.objects.create(
            user=user, app_id="wx1", openid="openid-zw-1", kind="official", nickname="阿伟"
        )
    url = f"{LIST}inspect/{zhang.pk}/"
    page = admin_client_a.get(url).content.decode()
    for text in ("法学院", "硕士研究生", "张伟本人", "openid-zw-1", "阿伟", "110105198001011234"):
        assert text in page, text
    clerk = clerk_client_a.get(url).content.decode()
    assert "110105********1234" in clerk and "110105198001011234" not in clerk


def test_create_person_with_degrees(colleges_a, admin_client_a, admin_a, school_a):
    computer = colleges_a["computer"]
    data = {
        "name": "赵敏",
        "gender": "F",
        "birth_date": "1990-05-06",
        "id_number": "",
        "phones": "13811112222, 13811113333",
        "emails": "zm@example.com",
        "city": "杭州",
        "tags": "校友会理事、捐赠人",
        "verification": "official",
        "degrees-TOTAL_FORMS": "2",
        "degrees-INITIAL_FORMS": "0",
        "degrees-MIN_NUM_FORMS": "0",
        "degrees-MAX_NUM_FORMS": "1000",
        "degrees-0-level": "bachelor",
        "degrees-0-college": str(computer.pk),
        "degrees-0-enrollment_year": "2008",
        "degrees-0-graduation_year": "2012",
        "degrees-1-level": "bachelor",
    }
    response = admin_client_a.post(f"{LIST}new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with inside(school_a):
        person = Person.objects.get(name="赵敏")
        assert person.phones == ["13811112222", "13811113333"]
        assert person.tags == ["校友会理事", "捐赠人"]
        assert person.name_pinyin == "zhaomin"
        degrees = list(person.degrees.all())
        assert len(degrees) == 1 and degrees[0].college == computer and degrees[0].graduation_year == 2012
        assert AuditEntry.objects.filter(
            action="person.create", object_id=str(person.pk), actor=admin_a
        ).exists()


def test_edit_person_and_degrees(records_a, admin_client_a, school_a):
    zhang, law = records_a["zhang"], records_a["law"]
    with inside(school_a):
        bachelor, master = list(zhang.degrees.order_by("enrollment_year"))
    data = {
        "name": "张伟",
        "phones": "13912345678",
        "city": "上海",
        "verification": "official",
        "degrees-TOTAL_FORMS": "3",
        "degrees-INITIAL_FORMS": "2",
        "degrees-MIN_NUM_FORMS": "0",
        "degrees-MAX_NUM_FORMS": "1000",
        "degrees-0-id": str(bachelor.pk),
        "degrees-0-level": "bachelor",
        "degrees-0-college": str(bachelor.college_id),
        "degrees-0-enrollment_year": "2008",
        "degrees-0-graduation_year": "2012",
        "degrees-0-class_name": "计科0801",
        "degrees-1-id": str(master.pk),
        "degrees-1-level": "master",
        "degrees-1-college": str(law.pk),
        "degrees-1-DELETE": "on",
        "degrees-2-level": "doctor",
        "degrees-2-college": str(law.pk),
        "degrees-2-enrollment_year": "2016",
        "degrees-2-graduation_year": "2020",
    }
    response = admin_client_a.post(f"{LIST}edit/{zhang.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with inside(school_a):
        zhang.refresh_from_db()
        assert zhang.city == "上海"
        # The ID number field was left empty: the stored one is kept.
        assert zhang.id_number == "110105198001011234"
        levels = sorted(zhang.degrees.values_list("level", "class_name"))
        assert levels == [("bachelor", "计科0801"), ("doctor", "")]
        assert AuditEntry.objects.filter(action="person.update", object_id=str(zhang.pk)).exists()
        assert AuditEntry.objects.filter(action="degree.delete", object_id=str(zhang.pk)).exists()


def test_edit_rejects_graduation_before_enrollment(records_a, admin_client_a):
    zhang = records_a["zhang"]
    data = {
        "name": "张伟",
        "verification": "official",
        "degrees-TOTAL_FORMS": "1",
        "degrees-INITIAL_FORMS": "0",
        "degrees-MIN_NUM_FORMS": "0",
        "degrees-MAX_NUM_FORMS": "1000",
        "degrees-0-level": "bachelor",
        "degrees-0-enrollment_year": "2012",
        "degrees-0-graduation_year": "2008",
    }
    response = admin_client_a.post(f"{LIST}edit/{zhang.pk}/", data)
    assert response.status_code == 200 and "毕业年份早于入学年份" in response.content.decode()


def test_editor_cannot_create_or_edit(records_a, editor_client_a, school_a):
    zhang = records_a["zhang"]
    assert editor_client_a.post(f"{LIST}edit/{zhang.pk}/", {"name": "改名"}).status_code in (302, 403)
    with inside(school_a):
        zhang.refresh_from_db()
        assert zhang.name == "张伟"


def _sidebar(client) -> str:
    """The admin menu as text (Wagtail renders it from JSON with escaped Chinese)."""
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    props = page.split('id="wagtail-sidebar-props" type="application/json">', 1)[1].split("</script>", 1)[0]
    return json.dumps(json.loads(props), ensure_ascii=False)


def test_menu_lists_people_items(records_a, admin_client_a, editor_client_a):
    menu = _sidebar(admin_client_a)
    for label in (
        "校友档案",
        "校友列表",
        "认证审核",
        "疑似重复",
        "统计",
        "学院与专业",
        "自定义字段",
        "校友分组",
    ):
        assert label in menu, label
    assert "/admin/people/claims/" in menu
    assert "校友档案" not in _sidebar(editor_client_a)
