"""The join application form: built in the back-office editor (text, textarea, choice, number,
date; required; options), validated there, rendered on the H5 organization page, and answers
checked by type when an alumnus applies."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from alumni.network.errors import JoinAnswersInvalid, OrganizationInvalid
from alumni.network.models import JoinRequest, Organization
from alumni.network.services import join_request_submit, org_update
from tests.alumni.network import support as network
from tests.alumni.network.support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in
from tests.conftest import inside

pytestmark = pytest.mark.django_db

PROFILE = {
    "name": "计算机学院校友会",
    "type": "college",
    "review_mode": "approval",
    "content_review": "before",
}


def _rows(*rows, initial: int = 0) -> dict:
    data = {"jf-TOTAL_FORMS": str(len(rows)), "jf-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"jf-{i}-{name}"] = value
    return data


QUESTIONS = [
    {"label": "毕业班级", "type": "text", "required": "on"},
    {"label": "自我介绍", "type": "textarea"},
    {"label": "参加过的活动", "type": "choice", "options": "年会\n返校日\n年会"},
    {"label": "毕业年份", "type": "number", "required": "on"},
    {"label": "入学日期", "type": "date"},
    {"label": "", "type": "text"},  # a blank extra row is ignored
]


def _saved(school, tree) -> list[dict]:
    with inside(school):
        return Organization.objects.get(pk=tree.a.pk).join_form


def test_admin_builds_the_form(tree, admin_client_a, school_a):
    url = f"/admin/network/{tree.a.pk}/edit/"
    page = admin_client_a.get(url).content.decode()
    assert "入会申请表" in page and "jf-TOTAL_FORMS" in page
    response = admin_client_a.post(url, PROFILE | _rows(*QUESTIONS))
    assert response.status_code == 302
    form = _saved(school_a, tree)
    assert [(q["label"], q["type"], q["required"]) for q in form] == [
        ("毕业班级", "text", True),
        ("自我介绍", "textarea", False),
        ("参加过的活动", "choice", False),
        ("毕业年份", "number", True),
        ("入学日期", "date", False),
    ]
    assert form[2]["options"] == ["年会", "返校日"]
    assert len({q["key"] for q in form}) == 5
    # Editing keeps each question's key (answers already given are stored under it), drops a
    # deleted question and adds a new one under a fresh key.
    edit = [{"key": q["key"], "label": q["label"], "type": q["type"]} for q in form]
    edit[0]["label"] = "班级"
    edit[1]["DELETE"] = "on"
    edit[2]["options"] = "年会\n返校日"
    edit.append({"label": "推荐人", "type": "text"})
    assert admin_client_a.post(url, PROFILE | _rows(*edit, initial=5)).status_code == 302
    again = _saved(school_a, tree)
    assert [q["label"] for q in again] == ["班级", "参加过的活动", "毕业年份", "入学日期", "推荐人"]
    assert again[0]["key"] == form[0]["key"] and again[1]["key"] == form[2]["key"]
    assert again[4]["key"] not in {q["key"] for q in form}
    page = admin_client_a.get(url).content.decode()
    assert 'value="班级"' in page and "返校日" in page


def test_builder_shows_validation_errors(tree, admin_client_a, school_a):
    url = f"/admin/network/{tree.a.pk}/edit/"
    page = admin_client_a.post(
        url, PROFILE | _rows({"label": "参加过的活动", "type": "choice", "options": "年会"})
    )
    assert page.status_code == 200 and "单选题至少需要两个选项" in page.content.decode()
    page = admin_client_a.post(url, PROFILE | _rows({"key": "q1", "label": "", "type": "text"}, initial=1))
    assert page.status_code == 200 and "请填写问题，或勾选删除" in page.content.decode()
    page = admin_client_a.post(url, PROFILE | _rows({"label": "X", "type": "file"}))
    assert page.status_code == 200 and "error-message" in page.content.decode()
    assert _saved(school_a, tree) == []


def test_only_school_admins_edit_the_form(tree, school_a, editor_client_a, alumnus_client_a):
    with inside(school_a):
        tree.users["president_a"].groups.add(Group.objects.get(name="Editors"))
    president = logged_in(school_a, tree.users["president_a"])
    for refused in (president, editor_client_a, alumnus_client_a):
        refused.post(f"/admin/network/{tree.a.pk}/edit/", PROFILE | _rows({"label": "X", "type": "text"}))
    assert _saved(school_a, tree) == []


def test_service_rejects_bad_definitions(tree, school_a):
    admin = tree.users["school_admin"]
    with inside(school_a):
        for bad in (
            [{"key": "k", "label": "X", "type": "file"}],
            [{"key": "k", "label": "X", "type": "choice", "options": ["只有一个"]}],
            [{"key": "k", "label": "X"}, {"key": "k", "label": "Y"}],
        ):
            with pytest.raises(OrganizationInvalid):
                org_update(organization=tree.a, actor=admin, join_form=bad)


@pytest.fixture
def typed(tree, school_a):
    with inside(school_a):
        org_update(
            organization=tree.a,
            actor=tree.users["school_admin"],
            join_form=[
                {"key": "year", "label": "毕业年份", "type": "number", "required": True},
                {"key": "event", "label": "活动", "type": "choice", "options": ["年会", "返校日"]},
                {"key": "since", "label": "入学日期", "type": "date"},
                {"key": "intro", "label": "自我介绍", "type": "textarea"},
            ],
        )
        return Organization.objects.get(pk=tree.a.pk)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"year": ""}, "year"),
        ({"year": "二〇一〇"}, "year"),
        ({"year": "NaN"}, "year"),
        ({"year": "2010", "event": "聚餐"}, "event"),
        ({"year": "2010", "since": "2010-13-01"}, "since"),
    ],
)
def test_answers_are_checked_by_type(typed, school_a, answers, field):
    with inside(school_a):
        person, _ = network.make_person("申请人")
        with pytest.raises(JoinAnswersInvalid) as caught:
            join_request_submit(person=person, organization=typed, answers=answers)
        assert caught.value.field == field
        assert not JoinRequest.objects.filter(person=person).exists()


def test_valid_answers_are_kept(typed, school_a):
    with inside(school_a):
        person, _ = network.make_person("申请人")
        request = join_request_submit(
            person=person,
            organization=typed,
            answers={"year": "2010", "event": "返校日", "since": "2006-09-01", "intro": "你好"},
        )
    assert request.answers == {"year": "2010", "event": "返校日", "since": "2006-09-01", "intro": "你好"}


def test_h5_page_renders_each_type_and_applies(typed, tree, school_a, client_a):
    client_a.force_login(tree.users["outsider"])
    html = client_a.get(f"/orgs/{typed.pk}/").content.decode()
    assert 'type="number"' in html and 'name="a_year"' in html
    assert '<select name="a_event"' in html and "<option>返校日</option>" in html
    assert 'type="date"' in html and "<textarea" in html
    page = client_a.post(f"/orgs/{typed.pk}/apply/", {"a_year": "abc"}, follow=True).content.decode()
    assert "请填写数字" in page
    client_a.post(f"/orgs/{typed.pk}/apply/", {"a_year": "2010", "a_event": "年会", "a_since": "2006-09-01"})
    with inside(school_a):
        request = JoinRequest.objects.get(person=tree.persons["outsider"], organization=typed)
        assert request.answers["event"] == "年会" and request.status == "pending"
