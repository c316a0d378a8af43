"""A small school of alumni for the search tests, and the backends the contract runs against."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import override_settings

from alumni.people.choices import DegreeLevel, Verification
from alumni.people.models import AlumniGroup, College, Major, Person
from alumni.people.search import reindex_all
from alumni.people.services.records import person_create

BACKENDS = [
    pytest.param("postgres", id="postgres"),
    pytest.param(
        "elasticsearch",
        id="elasticsearch",
        marks=pytest.mark.skipif(
            not os.environ.get("ELASTICSEARCH_URL"),
            reason="no ELASTICSEARCH_URL: the Elasticsearch contract run needs a server "
            "(e.g. ELASTICSEARCH_URL=http://127.0.0.1:9200)",
        ),
    ),
]


@dataclass
class Directory:
    """The records of one school, by the name the tests use."""

    persons: dict[str, Person]
    colleges: dict[str, College]
    group: AlumniGroup

    def __getitem__(self, key: str) -> Person:
        return self.persons[key]

    def ids(self, *keys: str) -> list[int]:
        return [self.persons[key].pk for key in keys]


def backend_settings(name: str):
    return override_settings(
        PEOPLE_SEARCH_BACKEND=name,
        ELASTICSEARCH_URL=os.environ.get("ELASTICSEARCH_URL", ""),
        ELASTICSEARCH_INDEX_PREFIX="alumni-test",
    )


def build_directory() -> Directory:
    """Create the records in the current school and index them."""
    cs = College.objects.create(name="计算机科学与技术学院")
    law = College.objects.create(name="法学院")
    se = Major.objects.create(college=cs, name="软件工程")
    group = AlumniGroup.objects.create(name="校庆嘉宾")

    def degree(college, start, end, level=DegreeLevel.BACHELOR, major=None, class_name=""):
        return {
            "level": level,
            "college": college,
            "major": major,
            "enrollment_year": start,
            "graduation_year": end,
            "class_name": class_name,
        }

    people = {
        "zhangwei": person_create(
            name="张伟",
            company="腾讯科技（深圳）有限公司",
            city="深圳",
            province="广东",
            industry="互联网",
            verification=Verification.VERIFIED,
            tags=["理事"],
            degrees=[
                degree(cs, 2006, 2010, major=se, class_name="计科0601"),
                degree(law, 2012, 2014, level=DegreeLevel.MASTER),
            ],
        ),
        "zhangsan": person_create(
            name="张三",
            company="阿里巴巴",
            city="杭州",
            province="浙江",
            industry="互联网",
            verification=Verification.VERIFIED,
            degrees=[degree(law, 2008, 2012)],
        ),
        "zhangweiming": person_create(
            name="张伟明",
            company="华为技术有限公司",
            city="深圳",
            province="广东",
            industry="通信",
            is_vip=True,
            degrees=[degree(cs, 2010, 2013, level=DegreeLevel.MASTER)],
        ),
        "zhouwen": person_create(
            name="周文",
            company="IBM中国研究院",
            city="北京",
            province="北京",
            industry="软件与信息技术",
            verification=Verification.VERIFIED,
            degrees=[degree(cs, 2006, 2010, major=se, class_name="计科0602")],
        ),
        "liuyang": person_create(
            name="刘洋",
            company="张伟律师事务所",
            city="上海",
            province="上海",
            industry="法律",
            degrees=[degree(law, 2006, 2010)],
        ),
        "lina": person_create(
            name="李娜",
            company="深圳市腾讯计算机系统有限公司",
            city="广州",
            province="广东",
            industry="互联网",
            verification=Verification.VERIFIED,
        ),
        "zengxiaoxian": person_create(name="曾小贤", city="上海", province="上海", industry="传媒"),
    }
    people["zhouwen"].groups.add(group)
    # A duplicate of 张伟 merged into him: a merged record is never a search result.
    people["merged"] = person_create(name="张伟", company="腾讯", city="深圳")
    Person.objects.filter(pk=people["merged"].pk).update(merged_into=people["zhangwei"])
    for person in people.values():
        person.refresh_from_db()
    reindex_all()
    return Directory(persons=people, colleges={"cs": cs, "law": law}, group=group)
