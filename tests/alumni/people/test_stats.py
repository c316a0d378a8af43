"""Statistics page and dashboard numbers: persons counted once per bucket, merged ones never."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from alumni.people.models import AccountLink, Claim, Person
from alumni.people.selectors import stats
from alumni.people.wagtail_hooks.stats import province_tiles
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import make_person
from tests.conftest import inside

pytestmark = pytest.mark.django_db

URL = "/admin/people/stats/"


@pytest.fixture
def school_data(colleges_a, school_a):
    computer, law = colleges_a["computer"], colleges_a["law"]
    with inside(school_a):
        a = make_person(
            name="甲",
            province="广东省",
            city="深圳",
            industry="互联网",
            verification="verified",
            degrees=[
                {"level": "bachelor", "college": computer, "graduation_year": 2012},
                {"level": "master", "college": computer, "graduation_year": 2015},
            ],
        )
        make_person(
            name="乙",
            province="广东",
            city="广州",
            industry="金融",
            degrees=[{"level": "bachelor", "college": law, "graduation_year": 2012}],
        )
        make_person(
            name="丙",
            province="北京",
            city="北京",
            degrees=[{"level": "bachelor", "college": computer, "graduation_year": 2012}],
        )
        gone = make_person(
            name="丁", province="北京", degrees=[{"level": "doctor", "college": law, "graduation_year": 2020}]
        )
        Person.objects.filter(pk=gone.pk).update(merged_into=a)
        users = get_user_model().objects
        u1 = users.create_user(username="u1", name="u1")
        u2 = users.create_user(username="u2", name="u2")
        users.create_user(username="u3", name="u3")
        AccountLink.objects.create(user=u1, person=a)
        Claim.objects.create(user=u2, method="profile", name="乙")
    return a


def test_numbers(school_data, in_school_a):
    assert stats.record_counts() == {"total": 3, "verified": 1}
    assert stats.by_graduation_year() == [("2012", 3), ("2015", 1)]
    assert stats.by_college() == [("计算机科学与技术学院", 2), ("法学院", 1)]
    assert dict(stats.by_level()) == {"本科": 3, "硕士研究生": 1}
    assert dict(stats.by_industry()) == {"互联网": 1, "金融": 1, "未填写": 1}
    assert dict(stats.by_city()) == {"深圳": 1, "广州": 1, "北京": 1}
    # Alumni accounts (the school admin is not one), claimed or linked, linked.
    assert stats.funnel() == [("注册账号", 3), ("提交认证", 2), ("认证通过", 1)]


def test_province_tiles_merge_suffixes(school_data, in_school_a):
    tiles = {t["name"]: t for t in province_tiles(stats.by_province()) if t["name"]}
    assert tiles["广东"]["count"] == 2 and tiles["广东"]["level"] == 1.0
    assert tiles["北京"]["count"] == 1 and tiles["上海"]["count"] == 0
    assert len(tiles) == 34


def test_page_per_role(
    school_data, client_a, alumnus_client_a, editor_client_a, clerk_client_a, admin_client_a
):
    assert client_a.get(URL).status_code == 302
    assert alumnus_client_a.get(URL).status_code == 302
    assert editor_client_a.get(URL).status_code in (302, 403)
    for client in (clerk_client_a, admin_client_a):
        page = client.get(URL).content.decode()
        assert "按毕业年份" in page and "计算机科学与技术学院" in page and "认证通过" in page


def _static_only_from(settings, folder) -> None:
    # saas/static is both STATICFILES_DIRS and an app's static folder: look only in ``folder``.
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATICFILES_DIRS = [folder]


def test_page_without_echarts_shows_tables_and_tile_map(school_data, admin_client_a, settings, tmp_path):
    _static_only_from(settings, tmp_path)  # no vendor files
    page = admin_client_a.get(URL).content.decode()
    assert "echarts.min.js" not in page and "图表组件未安装" in page
    assert "people-tiles" in page and 'title="广东：2"' in page


def test_page_with_echarts(school_data, admin_client_a, settings, tmp_path):
    vendor = tmp_path / "vendor" / "echarts"
    vendor.mkdir(parents=True)
    (vendor / "echarts.min.js").write_text("/* stand-in */")
    (vendor / "china.json").write_text("{}")
    _static_only_from(settings, tmp_path)
    page = admin_client_a.get(URL).content.decode()
    assert "vendor/echarts/echarts.min.js" in page and 'data-kind="map"' in page
    assert 'data-chart="graduation_year"' in page


def test_isolation(school_data, admin_client_b):
    page = admin_client_b.get(URL).content.decode()
    assert "计算机科学与技术学院" not in page


def test_dashboard_counters(school_data, admin_client_a, admin_client_b):
    page = admin_client_a.get("/admin/").content.decode()
    assert "已认证校友" in page and "/admin/people/records/?verification=verified" in page
