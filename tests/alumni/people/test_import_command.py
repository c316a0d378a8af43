# ruff: noqa: F811 -- the shared fixtures are imported from import_support and used as arguments
"""``import_alumni`` and updates: the command's JSON, a changed file, a second file, mappings."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from alumni.people.demo import HEADERS, rows_to_xlsx
from alumni.people.models import Degree, Person
from alumni.people.services.imports import import_upload
from tests.alumni.people.import_support import SAMPLE_CSV, TRUTH, catalog_a, media  # noqa: F401
from tests.conftest import inside

pytestmark = pytest.mark.django_db

ROW = ["王小明", "男", "1990-05-06", "11010519900506001X", "2008001", "学士", "计算机系", "软件工程", "软件08-1班",
       "2008级", "2012", "+86-138 0013 8000", "xm@example.com", "华为技术有限公司", "工程师", "互联网", "深圳", "", ""]  # fmt: skip


def _fix_id(row):
    from alumni.people.normalize import id_check_digit

    row[3] = row[3][:17] + id_check_digit(row[3][:17])
    return row


def _upload(rows, name="f.xlsx", **kwargs):
    return import_upload(upload=ContentFile(rows_to_xlsx(rows), name=name), **kwargs)


def test_command_prints_json_summary(catalog_a):
    out = io.StringIO()
    call_command("import_alumni", "--school", catalog_a.schema_name, str(SAMPLE_CSV), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["rows_read"] == 2000
    assert summary["persons_created"] > 1400 and summary["persons_updated"] == 0
    assert summary["degrees_created"] == 2000 - len(TRUTH["invalid"])
    assert {str(i["row"]): i["reason"] for i in summary["invalid_rows"]} == TRUTH["invalid"]
    out = io.StringIO()
    call_command("import_alumni", "--school", catalog_a.schema_name, str(SAMPLE_CSV), "--dry-run", stdout=out)
    again = json.loads(out.getvalue())
    assert again["dry_run"] and again["persons_created"] == 0 and again["degrees_created"] == 0


def test_command_errors(catalog_a):
    with pytest.raises(CommandError):
        call_command("import_alumni", "--school", "nope", str(SAMPLE_CSV))
    with pytest.raises(CommandError):
        call_command("import_alumni", "--school", catalog_a.schema_name, str(SAMPLE_CSV), "--mapping", "{bad")


def test_mapping_override(catalog_a):
    out = io.StringIO()
    mapping = json.dumps({"工作单位": "", "备注": "note"})
    call_command(
        "import_alumni", "--school", catalog_a.schema_name, str(SAMPLE_CSV), "--mapping", mapping, stdout=out
    )
    with inside(catalog_a):
        assert not Person.objects.exclude(company="").exists()


def test_updated_file_updates_and_second_file_adds_degrees(catalog_a):
    row = _fix_id(list(ROW))
    with inside(catalog_a):
        first = _upload([row])
        assert (first["persons_created"], first["degrees_created"]) == (1, 1)
        person = Person.objects.get()
        assert person.phones == ["13800138000"] and person.company == "华为技术有限公司"
        changed = list(row)
        changed[13], changed[11] = "腾讯科技(深圳)有限公司", "13900139000"
        second = _upload([changed])
        assert (second["persons_created"], second["persons_updated"], second["degrees_created"]) == (0, 1, 0)
        person.refresh_from_db()
        assert person.company == "腾讯科技(深圳)有限公司"
        assert person.phones == ["13900139000", "13800138000"]  # newest first, the old one kept
        # A second file with the master's degree, no ID number: matched by name + birth date.
        master = list(row)
        master[2], master[3], master[4], master[5] = "1990年5月", "", "2012009", "硕士"
        master[9], master[10] = "2012", "2015"
        third = _upload([master])
        assert (third["persons_created"], third["degrees_created"]) == (0, 1)
        assert sorted(Degree.objects.filter(person=person).values_list("level", flat=True)) == [
            "bachelor",
            "master",
        ]
        # A namesake with another birth date stays apart.
        namesake = list(master)
        namesake[2], namesake[4] = "1992-03-04", "2014001"
        assert _upload([namesake])["persons_created"] == 1
        assert Person.objects.filter(name="王小明").count() == 2


def test_conflicting_id_numbers_stay_apart(catalog_a):
    row = _fix_id(list(ROW))
    other = list(row)
    other[3] = "11010519900506002X"
    _fix_id(other)
    other[4] = "2008002"
    with inside(catalog_a):
        summary = _upload([row, other])
        assert summary["persons_created"] == 2


def test_15_digit_id_matches_18_digit(catalog_a):
    row = _fix_id(list(ROW))
    old = list(row)
    old[3] = row[3][:6] + row[3][8:17]
    old[4], old[5] = "2012777", "硕士"
    with inside(catalog_a):
        assert _upload([row, old])["persons_created"] == 1


def test_headers_constant_matches_sample():
    assert SAMPLE_CSV.read_bytes().decode("gb18030").splitlines()[0].split(",") == HEADERS


def test_demo_records_build(school_a, media):
    from alumni.people.demo import demo_records_build

    with inside(school_a):
        summary = demo_records_build(school=school_a, count=300)
        assert summary["rows_read"] == 300 and summary["rows_invalid"] == 0
        assert Person.objects.count() == summary["persons_created"] > 150
        assert not Degree.objects.filter(college__isnull=True).exists()
        assert demo_records_build(school=school_a, count=300)["persons_created"] == 0
