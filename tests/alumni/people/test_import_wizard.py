# ruff: noqa: F811 -- the shared fixtures are imported from import_support and used as arguments
"""The back-office import wizard, end to end with the test client; and who may use it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from alumni.people.demo import HEADERS, rows_to_xlsx
from alumni.people.models import ColumnMapping, ImportJob, Person
from tests.alumni.people.import_support import SAMPLE_CSV, TRUTH, catalog_a, media  # noqa: F401
from tests.conftest import ADMIN_PASSWORD, host_of, inside

pytestmark = pytest.mark.django_db
URL = "/admin/people/import/"


def _login(school, user) -> Client:
    client = Client(HTTP_HOST=host_of(school))
    with inside(school):
        client.force_login(user)
    return client


@pytest.fixture
def admin_client(catalog_a):
    with inside(catalog_a):
        user = get_user_model().objects.get(email="admin@alpha.edu.cn")
    return _login(catalog_a, user)


def test_wizard_end_to_end(admin_client, catalog_a, django_capture_on_commit_callbacks):
    page = admin_client.get(URL)
    assert page.status_code == 200 and "上传并识别表头" in page.content.decode()
    upload = SimpleUploadedFile("校友.csv", SAMPLE_CSV.read_bytes(), content_type="text/csv")
    response = admin_client.post(URL, {"file": upload})
    with inside(catalog_a):
        job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"{job.uuid}/mapping/")
    mapping_page = admin_client.get(response["Location"]).content.decode()
    assert "周强华" in mapping_page  # sample values per column
    assert 'value="phone" selected' in mapping_page
    form = {f"col_{i}": field for i, field in job.mapping.items()}
    response = admin_client.post(response["Location"], form)
    assert response["Location"].endswith("/preview/")
    preview = admin_client.get(response["Location"]).content.decode()
    assert str(len(TRUTH["invalid"])) in preview and "身份证号校验位错误" in preview
    with inside(catalog_a):
        assert not Person.objects.exists()  # nothing before confirmation
        assert ColumnMapping.objects.get(label="手机").field == "phone"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{URL}{job.uuid}/confirm/")
    assert response["Location"].endswith("/progress/")
    status = admin_client.get(f"{URL}{job.uuid}/status.json").json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["summary"]["rows_invalid"] == len(TRUTH["invalid"])
    progress = admin_client.get(response["Location"]).content.decode()
    assert "导入完成" in progress and "下载错误报告" in progress
    report = admin_client.get(f"{URL}{job.uuid}/errors.xlsx")
    assert report.status_code == 200
    import io

    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "原因", "姓名")
    assert {str(r[0]) for r in rows[1:]} == set(TRUTH["invalid"])
    with inside(catalog_a):
        assert Person.objects.count() > 1400


def test_title_row_above_header_is_skipped(admin_client, catalog_a):
    row = [
        "李雷",
        "男",
        "1990-01-02",
        "",
        "S001",
        "本科",
        "计算机系",
        "软件工程",
        "",
        2008,
        2012,
        "13800138000",
    ]
    data = rows_to_xlsx([row + [""] * (len(HEADERS) - len(row))], title="2012届毕业生名单")
    admin_client.post(URL, {"file": SimpleUploadedFile("list.xlsx", data)})
    with inside(catalog_a):
        job = ImportJob.objects.get()
    assert job.header_row == 2 and job.headers[0] == "姓名"
    assert job.mapping["0"] == "name" and job.mapping["11"] == "phone"


def test_rejects_other_files(admin_client, catalog_a):
    response = admin_client.post(URL, {"file": SimpleUploadedFile("x.pdf", b"%PDF")}, follow=True)
    assert "只支持 .xlsx 或 .csv 文件" in response.content.decode()


def test_only_school_admins(catalog_a, school_b):
    with inside(catalog_a):
        alumnus = get_user_model().objects.create_user(
            username="13800000009", phone="13800000009", name="校友"
        )
        editor = get_user_model().objects.create_user(username="ed", email="ed@alpha.edu.cn", name="编辑")
        editor.groups.add(Group.objects.get(name="Editors"))
    anonymous = Client(HTTP_HOST=host_of(catalog_a)).get(URL)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user in (alumnus, editor):
        # Wagtail turns the view's PermissionDenied into a redirect to the dashboard.
        response = _login(catalog_a, user).get(URL)
        assert response.status_code in (302, 403) and "上传并识别表头" not in response.content.decode()
        response = _login(catalog_a, user).post(
            URL, {"file": SimpleUploadedFile("a.csv", SAMPLE_CSV.read_bytes())}
        )
        assert response.status_code in (302, 403)
    with inside(catalog_a):
        assert not ImportJob.objects.exists()
    # Beta's admin on alpha's host is not logged in there.
    other = Client(HTTP_HOST=host_of(catalog_a))
    assert not other.login(username="admin@beta.edu.cn", password=ADMIN_PASSWORD)


def test_job_of_one_school_is_not_found_in_another(admin_client, catalog_a, school_b):
    admin_client.post(URL, {"file": SimpleUploadedFile("a.csv", SAMPLE_CSV.read_bytes())})
    with inside(catalog_a):
        job = ImportJob.objects.get()
    with inside(school_b):
        user = get_user_model().objects.get(email="admin@beta.edu.cn")
    beta = _login(school_b, user)
    assert beta.get(f"{URL}{job.uuid}/preview/").status_code == 404
    assert beta.get(f"{URL}{job.uuid}/status.json").status_code == 404
