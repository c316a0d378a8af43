"""Fixtures and helpers shared by the import tests (imported by each test_import*.py module)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from alumni.people.demo import catalog_seed
from tests.conftest import inside

SAMPLES = Path("/work/shared/samples")
SAMPLE_XLSX = SAMPLES / "alumni_sample.xlsx"
SAMPLE_CSV = SAMPLES / "alumni_sample_gbk.csv"
TRUTH = json.loads((SAMPLES / "alumni_sample_truth.json").read_text(encoding="utf-8"))


@pytest.fixture
def media(settings, tmp_path):
    """Uploads and reports go to a temporary MEDIA_ROOT (per school: MEDIA_ROOT/<schema>/)."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # re-set: the tenant storage drops its cached root
    return tmp_path


@pytest.fixture
def catalog_a(school_a, media):
    with inside(school_a):
        catalog_seed()
    return school_a


def sample_rows() -> dict[int, tuple]:
    """Spreadsheet row number → the sample's cells."""
    sheet = load_workbook(SAMPLE_XLSX, read_only=True).active
    return {
        number: row for number, row in enumerate(sheet.iter_rows(values_only=True), start=1) if number > 1
    }
