"""The index follows the records (signal → task in the right school), stays per school, and the
reindex_people command rebuilds it."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from alumni.people.models import Person, PersonSearchDocument
from alumni.people.search import reindex_persons, search_persons
from alumni.people.services.records import degree_add, person_create, person_update
from alumni.people.signals import persons_changed, persons_changed_after_commit
from tests.alumni.people.search_fixtures import BACKENDS, backend_settings, build_directory
from tests.conftest import inside


@pytest.fixture(params=BACKENDS)
def backend(request):
    with backend_settings(request.param):
        yield request.param


def test_person_update_reaches_the_index_through_the_signal(
    backend, in_school_a, django_capture_on_commit_callbacks
):
    directory = build_directory()
    zhangsan = directory["zhangsan"]
    assert search_persons(query="字节").ids == []
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=zhangsan, company="字节跳动", city="北京")
    assert search_persons(query="字节").ids == [zhangsan.pk]
    assert search_persons(filters={"city": "北京"}).total == 2  # 张三 and 周文
    assert zhangsan.pk not in search_persons(query="阿里巴巴").ids


def test_a_renamed_person_is_found_by_the_new_name_only(
    backend, in_school_a, django_capture_on_commit_callbacks
):
    directory = build_directory()
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=directory["lina"], name="李娜娜")
    assert search_persons(query="linana").ids == [directory["lina"].pk]
    assert search_persons(query="李娜娜").ids == [directory["lina"].pk]


def test_new_person_and_new_degree_are_indexed(backend, in_school_a, django_capture_on_commit_callbacks):
    directory = build_directory()
    with django_capture_on_commit_callbacks(execute=True):
        person = person_create(name="欧阳修", company="翰林院", city="开封")
    assert search_persons(query="ouyangxiu").ids == [person.pk]
    assert search_persons(query="oyx").ids == [person.pk]
    law = directory.colleges["law"]
    with django_capture_on_commit_callbacks(execute=True):
        degree_add(person=person, level="doctor", college=law, enrollment_year=2015, graduation_year=2019)
    assert search_persons(filters={"college_id": law.pk, "graduation_year": 2019}).ids == [person.pk]


def test_a_merged_person_leaves_the_index(backend, in_school_a, django_capture_on_commit_callbacks):
    directory = build_directory()
    other = directory["zhangweiming"]
    with django_capture_on_commit_callbacks(execute=True):
        Person.objects.filter(pk=other.pk).update(merged_into=directory["zhangwei"])
        persons_changed_after_commit([other.pk, directory["zhangwei"].pk])
    assert other.pk not in search_persons(query="张", limit=50).ids
    assert search_persons(query="张伟明").ids == []


def test_a_deleted_person_leaves_the_index(backend, in_school_a):
    directory = build_directory()
    pk = directory["zengxiaoxian"].pk
    Person.objects.filter(pk=pk).delete()
    reindex_persons([pk])
    assert search_persons(query="曾小贤").ids == []


def test_the_task_carries_the_school_the_change_happened_in(school_a, school_b):
    """A change in alpha, announced while the connection is in beta, re-indexes alpha."""
    with inside(school_a):
        person = Person.objects.create(
            name="王小明", name_pinyin="wangxiaoming", name_initials="wxm", city="成都"
        )
    with inside(school_b):
        persons_changed.send(sender=None, schema=school_a.schema_name, person_ids=[person.pk])
        assert search_persons(query="王小明").ids == []  # beta never sees it
    with inside(school_a):
        assert search_persons(query="王小明").ids == [person.pk]
        assert PersonSearchDocument.objects.filter(person=person).exists()


def test_schools_never_see_each_other(backend, school_a, school_b):
    with inside(school_a):
        alpha = build_directory()
        assert search_persons(query="张伟").total == 3
    with inside(school_b):
        assert search_persons(query="张伟").total == 0
        assert search_persons(query="zhangwei").total == 0
        assert search_persons().total == 0
        person_create(name="张伟", company="字节跳动", city="北京")
        reindex_persons(Person.objects.values_list("pk", flat=True))
        assert search_persons(query="张伟").total == 1
        assert search_persons(query="腾讯").total == 0
    with inside(school_a):
        assert search_persons(query="字节").total == 0
        assert search_persons(query="张伟").ids == alpha.ids("zhangwei", "zhangweiming", "liuyang")


def test_reindex_people_command_rebuilds_one_school(school_a, school_b, capsys):
    with inside(school_a):
        directory = build_directory()
        PersonSearchDocument.objects.all().delete()
        assert search_persons(query="zhangwei").ids == []
    call_command("reindex_people", school="alpha")
    assert "alpha: 7 位校友已索引" in capsys.readouterr().out
    with inside(school_a):
        assert search_persons(query="zhangwei").ids[0] == directory["zhangwei"].pk
        assert PersonSearchDocument.objects.count() == 7  # the merged duplicate is not indexed


def test_reindex_people_command_defaults_to_every_ready_school(school_a, school_b, capsys):
    call_command("reindex_people")
    out = capsys.readouterr().out
    assert "alpha:" in out and "beta:" in out


def test_reindex_people_command_refuses_an_unknown_school(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("reindex_people", school="nowhere")
