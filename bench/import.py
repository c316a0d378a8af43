"""Importing a 100,000-row alumni export: our pipeline against django-import-export.

Generates the rows with a fixed seed (``alumni.people.demo.generate_rows``, the sample's format
and mess: one row per degree, phones with +86-/spaces/floats, dates in several forms, 2012级,
former college names) into a temporary XLSX, creates a school, imports the file through
``import_upload`` (the job → plan → batched writes the wizard and the command use), then imports
the same rows into a second school through a django-import-export ModelResource doing the same
work (normalise, one Person per row keyed on the ID number, its Degree), as an admin would set up.

    python bench/import.py [--rows N] [--iie-rows N]     # or: make bench NAME=import

Goal: seconds <= 60 and ratio >= 5 (our rows/s over django-import-export's).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _harness import main

PASSWORD = "Bench-pass-2024"  # noqa: S105 -- throw-away schools in a throw-away database


def _school(subdomain: str):
    from tenants.services import SchoolAdmin, school_create

    return school_create(
        name=f"导入基准{subdomain}",
        short_name=subdomain,
        subdomain=subdomain,
        admin=SchoolAdmin(email=f"admin@{subdomain}.edu.cn", password=PASSWORD, name="管理员"),
    )


def person_resource():
    """A django-import-export resource: one Person per row keyed on the ID number, plus its Degree."""
    from import_export import fields, resources

    from alumni.core.pii import pii_digest
    from alumni.people import normalize
    from alumni.people.models import College, CollegeAlias, Degree, Person
    from alumni.people.pinyin import name_initials, name_pinyin

    colleges = {c.name: c for c in College.objects.all()}
    colleges.update({a.name: a.college for a in CollegeAlias.objects.select_related("college")})

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        gender = fields.Field(attribute="gender", column_name="性别")
        company = fields.Field(attribute="company", column_name="工作单位")
        title = fields.Field(attribute="title", column_name="职务")
        industry = fields.Field(attribute="industry", column_name="行业")
        city = fields.Field(attribute="city", column_name="所在城市")
        id_number_digest = fields.Field(attribute="id_number_digest", column_name="id_digest")

        class Meta:
            model = Person
            import_id_fields = ("id_number_digest",)
            fields = ("name", "gender", "company", "title", "industry", "city", "id_number_digest")
            skip_unchanged = True

        def before_import_row(self, row, **kwargs):
            row["姓名"] = normalize.person_name(row["姓名"])
            row["性别"] = normalize.sex(row["性别"])
            row["_id"] = normalize.id_number(row["身份证号"])
            row["id_digest"] = pii_digest(row["_id"])
            row["_birth"] = normalize.birth_date(row["出生日期"])
            row["_phones"] = normalize.phones(row["手机"])
            row["_emails"] = normalize.emails(row["邮箱"])

        def get_instance(self, instance_loader, row):
            return super().get_instance(instance_loader, row) if row["id_digest"] else None

        def before_save_instance(self, instance, row, **kwargs):
            instance.set_id_number(row["_id"])
            instance.birth_date, instance.birth_date_precision = row["_birth"]
            instance.phones = row["_phones"]
            instance.emails = row["_emails"]
            instance.name_pinyin = name_pinyin(instance.name)
            instance.name_initials = name_initials(instance.name)
            instance.source = "import"

        def after_save_instance(self, instance, row, **kwargs):
            college = colleges.get(normalize.text(row["学院"]))
            Degree.objects.create(
                person=instance,
                level=normalize.degree_level(row["学历层次"]) or "other",
                college=college,
                college_name_raw=normalize.text(row["学院"]),
                major_name=normalize.text(row["专业"]),
                class_name=normalize.text(row["班级"]),
                student_number=normalize.text(row["学号"]),
                enrollment_year=normalize.year(row["入学年份"]),
                graduation_year=normalize.year(row["毕业年份"]),
                source="import",
            )

    return PersonResource()


def body(argv: list[str]) -> str:
    from django.core.files.base import ContentFile
    from django.db import connection
    from django_tenants.utils import schema_context
    from import_export.formats.base_formats import XLSX

    from alumni.people.demo import catalog_seed, generate_rows, rows_to_xlsx
    from alumni.people.models import Degree, Person
    from alumni.people.services.imports import import_upload

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--iie-rows", type=int, default=0, help="rows for django-import-export (default: all)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    rows = generate_rows(args.rows, seed="bench-import-2026")
    tmp = Path(tempfile.mkdtemp(prefix="alumni-bench-import-"))
    path = tmp / "alumni_100k.xlsx"
    path.write_bytes(rows_to_xlsx(rows, title="某大学校友信息导出（基准）"))
    print(f"[import] generated {len(rows)} rows → {path} in {time.perf_counter() - started:.1f}s", flush=True)

    ours = _school("bench-import-ours")
    with schema_context(ours.schema_name):
        connection.tenant = ours
        catalog_seed()
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profile = cProfile.Profile()
            summary = profile.runcall(import_upload, upload=ContentFile(path.read_bytes(), name=path.name))
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
        else:
            summary = import_upload(upload=ContentFile(path.read_bytes(), name=path.name))
        seconds = time.perf_counter() - started
        persons, degrees = Person.objects.count(), Degree.objects.count()
    rate = len(rows) / seconds
    print(
        f"[import] ours: {seconds:.1f}s, {persons} persons, {degrees} degrees, "
        f"{summary['rows_invalid']} invalid rows",
        flush=True,
    )

    iie_rows = args.iie_rows or len(rows)
    theirs = _school("bench-import-iie")
    with schema_context(theirs.schema_name):
        connection.tenant = theirs
        catalog_seed()
        # import-export reads the header from the first row: the same rows without the title row.
        iie_path = tmp / "alumni_iie.xlsx"
        iie_path.write_bytes(rows_to_xlsx(rows[:iie_rows]))
        started = time.perf_counter()
        dataset = XLSX().create_dataset(iie_path.read_bytes())
        dataset.append_col([""] * len(dataset), header="id_digest")  # filled per row from 身份证号
        result = person_resource().import_data(dataset, dry_run=False, raise_errors=True)
        iie_seconds = time.perf_counter() - started
        iie_persons = Person.objects.count()
    iie_rate = iie_rows / iie_seconds
    print(
        f"[import] django-import-export: {iie_rows} rows in {iie_seconds:.1f}s, {iie_persons} persons, "
        f"{result.totals}",
        flush=True,
    )
    path.unlink()
    iie_path.unlink()
    return (
        f"BENCH import rows={len(rows)} seconds={seconds:.1f} rows_per_s={rate:.0f} "
        f"persons={persons} iie_rows={iie_rows} iie_seconds={iie_seconds:.1f} "
        f"iie_rows_per_s={iie_rate:.0f} ratio={rate / iie_rate:.1f}"
    )


if __name__ == "__main__":
    main("import", body)
