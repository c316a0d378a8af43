# ruff: noqa: F811 -- the shared fixtures are imported from import_support and used as arguments
"""Importing the 2,000-row sample export (XLSX and GBK CSV) against its answer key."""

from __future__ import annotations

from datetime import date

import pytest

from alumni.core.models import AuditEntry
from alumni.people.choices import DatePrecision, DegreeLevel, RecordSource
from alumni.people.models import College, Degree, ImportJob, Person
from alumni.people.services.imports import import_file
from tests.alumni.people.import_support import SAMPLE_CSV, SAMPLE_XLSX, TRUTH, catalog_a, media, sample_rows  # noqa: F401
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _person_of_row(rows: dict[int, tuple]) -> dict[int, int]:
    """Row number → the Person id its degree landed on (student numbers are unique in the sample)."""
    by_number = dict(Degree.objects.values_list("student_number", "person_id"))
    return {number: by_number.get(str(row[4]).strip()) for number, row in rows.items()}


def _check_against_truth(summary: dict) -> None:
    invalid = {str(item["row"]): item for item in summary["invalid_rows"]}
    assert set(invalid) == set(TRUTH["invalid"])
    for number, reason in TRUTH["invalid"].items():
        assert invalid[number]["reason"] == reason, (number, invalid[number])
    rows = sample_rows()
    person_of = _person_of_row(rows)
    for number in TRUTH["invalid"]:
        assert person_of[int(number)] is None, f"invalid row {number} was imported"
    seen: dict[int, str] = {}
    # A person's invalid rows are reported, not imported; the rest still make one Person.
    valid_persons = {
        key: [n for n in numbers if str(n) not in TRUTH["invalid"]]
        for key, numbers in TRUTH["persons"].items()
    }
    valid_persons = {key: numbers for key, numbers in valid_persons.items() if numbers}
    for key, numbers in valid_persons.items():
        ids = {person_of[number] for number in numbers}
        assert len(ids) == 1 and None not in ids, (key, numbers, ids)
        person_id = ids.pop()
        assert person_id not in seen, f"persons {seen.get(person_id)} and {key} were merged"
        seen[person_id] = key
    assert Person.objects.count() == len(valid_persons)
    assert summary["persons_created"] == len(valid_persons)
    valid_rows = len(rows) - len(TRUTH["invalid"])
    assert summary["rows_read"] == len(rows)
    assert summary["degrees_created"] == Degree.objects.count() == valid_rows


@pytest.mark.parametrize("path", [SAMPLE_XLSX, SAMPLE_CSV], ids=["xlsx", "gbk-csv"])
def test_sample_matches_truth(catalog_a, path):
    with inside(catalog_a):
        summary = import_file(path=str(path))
        _check_against_truth(summary)
        # Former college names land on today's college; nothing is left without a college.
        assert not Degree.objects.filter(college__isnull=True).exists()
        assert Degree.objects.filter(
            college_name_raw="计算机系", college__name="计算机科学与技术学院"
        ).exists()
        assert set(Degree.objects.values_list("level", flat=True)) <= {
            DegreeLevel.BACHELOR,
            DegreeLevel.MASTER,
            DegreeLevel.DOCTOR,
            DegreeLevel.ASSOCIATE,
        }
        assert not Degree.objects.exclude(source=RecordSource.IMPORT).exists()
        # Phones normalised (spaces, +86-, floats, full-width) to 11 digits.
        for phones in Person.objects.values_list("phones", flat=True):
            assert all(len(p) == 11 and p.isdigit() for p in phones), phones
        # One audit entry for the whole import, with the counts.
        entry = AuditEntry.objects.get(action="people.import")
        assert entry.after["persons_created"] == Person.objects.count()


def test_rows_of_one_person_merge_fields(catalog_a):
    """Rows 3 and 4 (侯红): 1985年12月 and 19851203 → one person, the day-precise birth date kept."""
    with inside(catalog_a):
        import_file(path=str(SAMPLE_XLSX))
        person = Person.objects.get(degrees__student_number="030867100")
        assert person.name == "侯红"
        assert person.birth_date == date(1985, 12, 3)
        assert person.birth_date_precision == DatePrecision.DAY
        assert person.phones == ["18948530762"]
        assert person.id_number == "610113198512039417"
        assert person.id_number_masked == "610113********9417"
        assert person.name_pinyin == "houhong" and person.name_initials == "hh"
        assert sorted(person.degrees.values_list("level", flat=True)) == [
            DegreeLevel.BACHELOR,
            DegreeLevel.MASTER,
        ]
        assert set(person.degrees.values_list("college__name", flat=True)) == {"电气工程学院"}


def test_reimport_is_a_no_op(catalog_a):
    with inside(catalog_a):
        import_file(path=str(SAMPLE_XLSX))
        stamps = dict(Person.objects.values_list("pk", "updated_at"))
        degree_stamps = dict(Degree.objects.values_list("pk", "updated_at"))
        again = import_file(path=str(SAMPLE_CSV))  # the same rows, other format
        assert (again["persons_created"], again["persons_updated"]) == (0, 0)
        assert (again["degrees_created"], again["degrees_updated"]) == (0, 0)
        assert dict(Person.objects.values_list("pk", "updated_at")) == stamps
        assert dict(Degree.objects.values_list("pk", "updated_at")) == degree_stamps


def test_dry_run_writes_nothing(catalog_a):
    with inside(catalog_a):
        summary = import_file(path=str(SAMPLE_XLSX), dry_run=True)
        assert summary["dry_run"] is True
        assert summary["persons_created"] > 1400
        assert len(summary["invalid_rows"]) == len(TRUTH["invalid"])
        assert not Person.objects.exists()
        assert ImportJob.objects.get().status == ImportJob.Status.VALIDATED


def test_isolation_import_into_alpha_leaves_beta_alone(catalog_a, school_b, media):
    with inside(catalog_a):
        import_file(path=str(SAMPLE_XLSX))
        job = ImportJob.objects.get()
        assert job.file.path.startswith(str(media / catalog_a.schema_name))
        assert job.error_report.path.startswith(str(media / catalog_a.schema_name))
    with inside(school_b):
        assert not Person.objects.exists()
        assert not ImportJob.objects.exists()
        assert not College.objects.exists()
