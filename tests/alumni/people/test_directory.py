"""The directory: verified alumni only, search by name / pinyin / initials / company / city /
industry, drill-down college → major → class / year, masked phones, isolation between schools."""

from __future__ import annotations

import pytest

from alumni.people.selectors.directory import directory_facets, directory_search
from alumni.people.services.records import person_set_privacy
from tests.alumni.people.alumni_side import (
    college,
    h5_client,
    index,
    major,
    make_user,
    record,
    verified_alumnus,
)
from tests.conftest import inside


@pytest.fixture
def directory(in_school_a):
    cs = college("计算机科学与技术学院")
    law = college("法学院")
    se = major(cs, "软件工程")
    ai = major(cs, "人工智能")
    zhang, zhang_user = verified_alumnus(
        "张伟",
        college_obj=cs,
        major_obj=se,
        start=2008,
        end=2012,
        class_name="软件0801",
        company="腾讯科技",
        city="深圳",
        province="广东",
        industry="互联网",
        phones=["13812345678"],
    )
    li, _ = verified_alumnus(
        "李娜",
        college_obj=cs,
        major_obj=ai,
        start=2015,
        end=2019,
        class_name="智能1501",
        company="华为",
        city="深圳",
        industry="通信",
    )
    wang, _ = verified_alumnus(
        "王芳", college_obj=law, start=2008, end=2012, company="金杜律师事务所", city="北京", industry="法律"
    )
    person_set_privacy(person=zhang, choices={"phone": "alumni"})
    official = record("张薇", college_obj=cs, major_obj=se, start=2008, company="腾讯科技")  # not verified
    index(zhang, li, wang, official)
    return {
        "zhang": zhang,
        "li": li,
        "wang": wang,
        "official": official,
        "zhang_user": zhang_user,
        "cs": cs,
        "se": se,
    }


def names(page) -> list[str]:
    return [p.name for p in page.persons]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张伟", ["张伟"]),
        ("zhangwei", ["张伟"]),
        ("zw", ["张伟"]),
        ("腾讯", ["张伟"]),
        ("深圳", ["张伟", "李娜"]),
        ("法律", ["王芳"]),
    ],
)
def test_search_finds_verified_alumni_only(directory, query, expected):
    page = directory_search(query=query)
    assert sorted(names(page)) == sorted(expected)
    assert "张薇" not in names(page)  # an unclaimed official record is not in the directory


def test_filters_and_paging(directory):
    assert names(directory_search(filters={"city": "北京"})) == ["王芳"]
    assert sorted(names(directory_search(filters={"college_id": directory["cs"].pk}))) == ["张伟", "李娜"]
    assert names(directory_search(filters={"major_id": directory["se"].pk, "enrollment_year": 2008})) == [
        "张伟"
    ]
    first = directory_search(limit=2)
    second = directory_search(offset=2, limit=2)
    assert first.total == 3 and len(first.persons) == 2 and first.has_next
    assert len(second.persons) == 1 and not second.has_next
    assert set(names(first)) | set(names(second)) == {"张伟", "李娜", "王芳"}


def test_drill_down_counts_verified_alumni(directory):
    colleges = directory_facets()
    assert colleges["level"] == "colleges"
    assert {(i["name"], i["count"]) for i in colleges["items"]} == {
        ("计算机科学与技术学院", 2),
        ("法学院", 1),
    }
    majors = directory_facets(college_id=directory["cs"].pk)
    assert {(i["name"], i["count"]) for i in majors["items"]} == {("软件工程", 1), ("人工智能", 1)}
    assert {(y["year"], y["count"]) for y in majors["years"]} == {(2008, 1), (2015, 1)}
    classes = directory_facets(college_id=directory["cs"].pk, major_id=directory["se"].pk)
    assert classes["level"] == "classes" and classes["major"]["name"] == "软件工程"
    assert classes["classes"] == [{"name": "软件0801", "count": 1}]  # 张薇 (unverified) not counted
    assert classes["years"] == [{"year": 2008, "count": 1}]


def test_h5_directory_lists_masked_phones_and_drills_down(directory, school_a):
    viewer, viewer_user = verified_alumnus("赵敏", college_obj=college("法学院"))
    index(viewer)
    client = h5_client(school_a, viewer_user)
    page = client.get("/alumni/directory/", {"q": "zw"}).content.decode()
    assert "张伟" in page and "腾讯科技" in page and "138****5678" in page and "13812345678" not in page
    assert "李娜" not in page

    page = client.get("/alumni/directory/").content.decode()
    assert "计算机科学与技术学院" in page and "共 4 位" in page
    page = client.get("/alumni/directory/", {"college_id": directory["cs"].pk}).content.decode()
    assert "软件工程" in page and "人工智能" in page and "2015级" in page and "王芳" not in page
    page = client.get(
        "/alumni/directory/", {"college_id": directory["cs"].pk, "major_id": directory["se"].pk}
    ).content.decode()
    assert "软件0801" in page and "张伟" in page and "李娜" not in page
    page = client.get("/alumni/directory/", {"q": "不存在的人"}).content.decode()
    assert "没有找到符合条件的校友" in page


def test_h5_person_page_by_public_id_only(directory, school_a):
    client = h5_client(school_a, directory["zhang_user"])
    page = client.get(f"/alumni/p/{directory['li'].public_id}/").content.decode()
    assert "李娜" in page and "华为" in page and "交换名片" in page
    assert client.get(f"/alumni/p/{directory['li'].pk}/").status_code == 404
    assert client.get(f"/alumni/p/{directory['official'].public_id}/").status_code == 404  # not verified


def test_unverified_accounts_get_a_prompt_and_anonymous_a_login(directory, school_a, client_a):
    user = make_user(name="未认证")
    page = h5_client(school_a, user).get("/alumni/directory/")
    assert page.status_code == 403
    assert "校友录仅对认证校友开放" in page.content.decode() and "去认证" in page.content.decode()
    response = client_a.get("/alumni/directory/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert h5_client(school_a, user).get(f"/alumni/p/{directory['li'].public_id}/").status_code == 302


def test_directory_at_alpha_never_shows_beta(directory, school_a, school_b):
    with inside(school_b):
        other, other_user = verified_alumnus("张伟", company="贝塔公司")
        index(other)
        assert names(directory_search(query="zhangwei")) == ["张伟"]
        assert directory_search(query="zhangwei").persons[0].company == "贝塔公司"
    with inside(school_a):
        page = directory_search(query="zhangwei")
        assert [p.company for p in page.persons] == ["腾讯科技"]
    page = (
        h5_client(school_a, directory["zhang_user"]).get("/alumni/directory/", {"q": "贝塔"}).content.decode()
    )
    assert "贝塔公司" not in page
    assert h5_client(school_b, other_user).get(f"/alumni/p/{directory['li'].public_id}/").status_code == 404
