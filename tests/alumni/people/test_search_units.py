"""Tokens and the Elasticsearch backend's per-school naming, documents and queries (no server)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from alumni.people.search import elasticsearch as es
from alumni.people.search.tokens import document_tokens, parse_query, text_tokens
from tests.alumni.people.search_fixtures import build_directory
from tests.conftest import inside


def test_chinese_is_indexed_as_bigrams_and_names_also_as_characters():
    assert text_tokens("校友会活动") == {"校友", "友会", "会活", "活动"}
    tokens = set(
        document_tokens(name="张伟明", pinyin="zhangweiming", initials="zwm", company="华为", city="深圳")
    )
    plain = {token for token in tokens if token[0] not in "=^~"}
    assert plain == {"张伟", "伟明", "张", "伟", "明", "zhangweiming", "zwm", "华为", "深圳"}
    # Markers for ranking: the exact name, its prefixes, the parts of the name.
    assert {
        "=张伟明",
        "=zhangweiming",
        "^张",
        "^张伟",
        "^张伟明",
        "^zhangweiming",
        "^zwm",
        "~伟明",
        "~明",
    } <= tokens
    assert "~华为" not in tokens and "^华" not in tokens
    assert "为" not in tokens  # single characters only for names


def test_full_width_and_latin_words_are_folded():
    assert text_tokens("ＩＢＭ中国 Research-Lab") == {"ibm", "中国", "research", "lab"}


def test_query_parsing():
    parsed = parse_query("张伟 ZhangW 腾讯科技")
    assert [term.bigrams for term in parsed.terms if term.bigrams] == [("张伟",), ("腾讯", "讯科", "科技")]
    assert [term.prefix for term in parsed.terms if term.prefix] == ["zhangw"]
    assert parse_query("张wei").pinyin == "wei" and parse_query("张wei").name == "张"
    assert not parse_query("？！ ")


@override_settings(ELASTICSEARCH_INDEX_PREFIX="cloud")
def test_each_school_has_its_own_index(school_a, school_b):
    assert es.index_alias("alpha") == "cloud-people-alpha"
    assert es.index_alias("alpha") != es.index_alias("beta")
    with inside(school_a):
        assert es.index_alias() == "cloud-people-alpha"
    with inside(school_b):
        assert es.index_alias() == "cloud-people-beta"


def test_document_of_a_person(in_school_a):
    directory = build_directory()
    zhangwei = directory["zhangwei"]
    doc = es.build_document(zhangwei).to_dict(include_meta=True)
    assert doc["_id"] == zhangwei.pk
    source = doc["_source"]
    assert {"张伟", "张", "zhangwei", "zw", "腾讯", "深圳", "互联", "联网"} <= set(source["tokens"])
    assert source["name_pinyin"] == "zhangwei" and source["verification"] == "verified"
    assert source["tags"] == ["理事"]
    degrees = sorted(source["degrees"], key=lambda degree: degree["enrollment_year"])
    assert [(d["college_id"], d["graduation_year"]) for d in degrees] == [
        (directory.colleges["cs"].pk, 2010),
        (directory.colleges["law"].pk, 2014),
    ]
    assert degrees[0]["class_name"] == "计科0601" and degrees[1]["level"] == "master"


def test_degree_filters_are_one_nested_query():
    body = es.build_search(
        client=None,
        index="alumni-people-alpha",
        query="zw",
        filters={"college_id": 3, "graduation_year": 2010, "city": "深圳"},
        offset=20,
        limit=10,
    ).to_dict()
    filters = body["query"]["bool"]["filter"]
    nested = [clause["nested"] for clause in filters if "nested" in clause]
    assert len(nested) == 1 and nested[0]["path"] == "degrees"
    assert nested[0]["query"]["bool"]["filter"] == [
        {"term": {"degrees.college_id": 3}},
        {"term": {"degrees.graduation_year": 2010}},
    ]
    assert {"term": {"city": "深圳"}} in filters and {"prefix": {"tokens": "zw"}} in filters
    assert body["from"] == 20 and body["size"] == 10 and body["track_total_hits"] is True
    assert body["sort"][0] == "_score" and body["sort"][-1] == {"person_id": "asc"}


def test_filter_only_search_is_ordered_by_pinyin():
    body = es.build_search(
        client=None, index="x", query="", filters={"is_vip": True}, offset=0, limit=5
    ).to_dict()
    assert body["query"]["bool"]["filter"] == [{"term": {"is_vip": True}}]
    assert body["sort"] == [{"name_pinyin": "asc"}, {"person_id": "asc"}]


def test_reindex_writes_to_the_school_alias_and_drops_merged(in_school_a, monkeypatch):
    """Without a server: the bulk actions the backend would send."""
    directory = build_directory()
    sent = []
    monkeypatch.setattr(es, "bulk", lambda client, actions, **kwargs: sent.extend(actions))
    backend = es.ElasticsearchBackend(url="http://es.invalid:9200")
    monkeypatch.setattr(backend, "_ensure_alias", lambda alias: None)
    with override_settings(ELASTICSEARCH_INDEX_PREFIX="alumni"):
        backend.reindex([directory["zhangwei"].pk, directory["merged"].pk])
    indexed = [action for action in sent if action.get("_op_type") != "delete"]
    deleted = [action for action in sent if action.get("_op_type") == "delete"]
    assert [action["_id"] for action in indexed] == [directory["zhangwei"].pk]
    assert [action["_id"] for action in deleted] == [directory["merged"].pk]
    assert {action["_index"] for action in sent} == {"alumni-people-alpha"}


@pytest.mark.parametrize("name", ["solr", ""])
def test_backend_setting(name):
    from alumni.people.search import get_backend

    with override_settings(PEOPLE_SEARCH_BACKEND=name):
        if name:
            with pytest.raises(ValueError):
                get_backend()
        else:
            assert get_backend().name == "postgres"
