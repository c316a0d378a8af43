"""The search contract, run against every backend (Elasticsearch only when ELASTICSEARCH_URL is set).

What an alumnus or an office notices: 张伟 is found by zhangwei and zw, a surname finds everyone
with it, the exact name comes first, filters narrow down, merged duplicates never show.
"""

from __future__ import annotations

import pytest

from alumni.people.choices import DegreeLevel, Verification
from alumni.people.search import SearchInvalid, search_persons
from tests.alumni.people.search_fixtures import BACKENDS, backend_settings, build_directory


@pytest.fixture(params=BACKENDS)
def directory(request, in_school_a):
    with backend_settings(request.param):
        yield build_directory()


def ids(**kwargs) -> list[int]:
    return search_persons(**kwargs).ids


def test_full_pinyin_and_initials_find_the_chinese_name(directory):
    assert ids(query="zhangwei")[0] == directory["zhangwei"].pk
    assert set(ids(query="zhangwei")) == set(directory.ids("zhangwei", "zhangweiming"))
    found = ids(query="zw")
    assert directory["zhangwei"].pk in found and directory["zhouwen"].pk in found
    assert directory["zhangweiming"].pk in found  # zwm starts with zw
    assert ids(query="ZhangWei") == ids(query="zhangwei")  # case does not matter
    assert ids(query="zhang wei")[0] == directory["zhangwei"].pk  # typed with a space


def test_partial_pinyin_is_a_prefix(directory):
    assert set(ids(query="zhangw")) == set(directory.ids("zhangwei", "zhangweiming"))
    assert ids(query="zengxiao") == directory.ids("zengxiaoxian")  # 曾 read as a surname: zeng


def test_surname_finds_everyone_with_it(directory):
    found = ids(query="张")
    assert set(directory.ids("zhangwei", "zhangsan", "zhangweiming")) <= set(found)
    assert directory["zhouwen"].pk not in found


def test_exact_name_first_then_name_prefix_then_other_fields(directory):
    # 张伟 (exact) > 张伟明 (name prefix) > 刘洋 of 张伟律师事务所 (company).
    assert ids(query="张伟") == directory.ids("zhangwei", "zhangweiming", "liuyang")


def test_partial_chinese_name(directory):
    assert ids(query="伟明") == directory.ids("zhangweiming")
    assert ids(query="小贤") == directory.ids("zengxiaoxian")


def test_company_city_and_industry_words(directory):
    assert set(ids(query="腾讯")) == set(directory.ids("zhangwei", "lina"))
    assert ids(query="华为") == directory.ids("zhangweiming")
    assert ids(query="ibm") == directory.ids("zhouwen")  # a Latin word in a Chinese company name
    assert set(ids(query="深圳")) == set(directory.ids("zhangwei", "zhangweiming", "lina"))
    assert set(ids(query="互联网")) == set(directory.ids("zhangwei", "zhangsan", "lina"))


def test_several_terms_must_all_match(directory):
    assert ids(query="张 深圳") == directory.ids("zhangwei", "zhangweiming")
    assert ids(query="zhang 华为") == directory.ids("zhangweiming")
    assert ids(query="张伟 上海") == directory.ids("liuyang")


def test_nothing_found(directory):
    assert search_persons(query="欧阳修") == search_persons(query="xyzxyz")
    assert search_persons(query="欧阳修").total == 0
    assert search_persons(query="？？！").ids == []


def test_merged_records_are_never_found(directory):
    merged = directory["merged"].pk
    assert merged not in ids(query="张伟", limit=100)
    assert merged not in ids(limit=100)
    assert search_persons(limit=100).total == 7


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"city": "深圳"}, ["zhangwei", "zhangweiming"]),
        ({"province": "广东"}, ["zhangwei", "zhangweiming", "lina"]),
        ({"industry": "互联网"}, ["zhangwei", "zhangsan", "lina"]),
        ({"company": "腾讯"}, ["zhangwei", "lina"]),
        ({"company": "ibm"}, ["zhouwen"]),
        ({"company": "律师事务所"}, ["liuyang"]),
        ({"is_vip": True}, ["zhangweiming"]),
        ({"verification": Verification.OFFICIAL}, ["zhangweiming", "liuyang", "zengxiaoxian"]),
        ({"tag": "理事"}, ["zhangwei"]),
        ({"level": DegreeLevel.MASTER}, ["zhangwei", "zhangweiming"]),
        ({"enrollment_year": 2006}, ["zhangwei", "zhouwen", "liuyang"]),
        ({"graduation_year": 2012}, ["zhangsan"]),
        ({"class_name": "计科0601"}, ["zhangwei"]),
    ],
)
def test_each_filter(directory, filters, expected):
    assert set(ids(filters=filters)) == set(directory.ids(*expected))


def test_college_major_and_group_filters(directory):
    cs, law = directory.colleges["cs"], directory.colleges["law"]
    assert set(ids(filters={"college_id": cs.pk})) == set(
        directory.ids("zhangwei", "zhangweiming", "zhouwen")
    )
    assert set(ids(filters={"college_id": law.pk})) == set(directory.ids("zhangwei", "zhangsan", "liuyang"))
    major = directory["zhouwen"].degrees.get().major
    assert set(ids(filters={"major_id": major.pk})) == set(directory.ids("zhangwei", "zhouwen"))
    assert ids(filters={"group_id": directory.group.pk}) == directory.ids("zhouwen")
    assert ids(filters={"college_id": str(cs.pk), "city": ""}) == ids(filters={"college_id": cs.pk})


def test_degree_filters_hold_on_one_degree(directory):
    cs, law = directory.colleges["cs"], directory.colleges["law"]
    # 张伟 graduated in 2010 (计算机) and 2014 (法学院): the law class of 2010 is 刘洋 only.
    assert ids(filters={"college_id": law.pk, "graduation_year": 2010}) == directory.ids("liuyang")
    assert set(ids(filters={"college_id": cs.pk, "graduation_year": 2010})) == set(
        directory.ids("zhangwei", "zhouwen")
    )
    assert ids(filters={"college_id": cs.pk, "level": DegreeLevel.MASTER}) == directory.ids("zhangweiming")


def test_query_and_filters_combined(directory):
    cs = directory.colleges["cs"]
    assert ids(query="zw", filters={"college_id": cs.pk, "graduation_year": 2010}) == directory.ids(
        "zhangwei", "zhouwen"
    )
    assert ids(query="张", filters={"city": "深圳", "is_vip": True}) == directory.ids("zhangweiming")
    assert ids(query="张", filters={"is_vip": False, "city": "深圳"}) == directory.ids("zhangwei")


def test_verified_only(directory):
    found = ids(query="张", verified_only=True)
    assert found == directory.ids("zhangwei", "zhangsan")  # same tier: record order
    every = search_persons(verified_only=True, limit=50)
    assert set(every.ids) == set(directory.ids("zhangwei", "zhangsan", "zhouwen", "lina"))
    assert every.total == 4


def test_paging_and_total(directory):
    first = search_persons(limit=3)
    second = search_persons(offset=3, limit=3)
    third = search_persons(offset=6, limit=3)
    assert first.total == second.total == third.total == 7
    assert len(first.ids) == 3 and len(third.ids) == 1
    everything = first.ids + second.ids + third.ids
    assert len(set(everything)) == 7
    assert everything == search_persons(limit=50).ids  # stable order across pages
    page = search_persons(query="张", offset=1, limit=1)
    assert page.total == 3 and page.ids == ids(query="张")[1:2]
    assert ids(query="张") == directory.ids("zhangwei", "zhangsan", "zhangweiming")


def test_invalid_filters_are_refused(directory):
    with pytest.raises(SearchInvalid):
        search_persons(filters={"salary": 1})
    with pytest.raises(SearchInvalid):
        search_persons(filters={"graduation_year": "two thousand"})
    with pytest.raises(SearchInvalid):
        search_persons(filters={"level": "emperor"})
    with pytest.raises(SearchInvalid):
        search_persons(offset=-1)


QUERIES = ["张伟", "张", "zw", "zhangw", "腾讯", "深圳", "伟", "互联网", "张 深圳", "zhang wei", "ibm"]


@pytest.mark.parametrize("query", QUERIES)
def test_broad_results_are_paged_tier_by_tier_in_the_same_order(in_school_a, monkeypatch, query):
    """Above PostgresBackend.BROAD matches a page is read tier by tier: same ids, same order."""
    from alumni.people.search.postgres import PostgresBackend

    with backend_settings("postgres"):
        build_directory()
        ranked = [search_persons(query=query, offset=offset, limit=2) for offset in range(0, 8, 2)]
        monkeypatch.setattr(PostgresBackend, "BROAD", 0)
        tiered = [search_persons(query=query, offset=offset, limit=2) for offset in range(0, 8, 2)]
    assert tiered == ranked
    assert ranked[0].total > 0
