"""The plan's storage limit refuses uploads with a clear message, in every app, for that school only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.subscriptions.models import Plan
from tests.billing.subscriptions.conftest import logged_in, school_admin
from tests.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def nearly_full(sub_a, school_a):
    """Alpha's plan allows 2 MB and 1.9 MB are used (the measured figure is cached)."""
    Plan.objects.filter(pk=sub_a.plan_id).update(storage_mb=2)
    with inside(school_a):
        cache.set(f"subscriptions:storage:{school_a.schema_name}", 1.9, 60)
    yield
    with inside(school_a):
        cache.delete(f"subscriptions:storage:{school_a.schema_name}")


def _upload(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("合影.jpg", b"\xff" * size, content_type="image/jpeg")


def test_an_upload_beyond_the_plan_is_refused_with_the_reason(nearly_full, school_a):
    admin = logged_in(school_a, school_admin(school_a))
    response = admin.post("/admin/images/multiple/add/", {"files[]": _upload(300 * 1024)})
    assert response.status_code == 413
    page = response.content.decode()
    assert "存储空间已满" in page and "套餐上限 2 MB" in page and "本次上传未保存" in page

    api = admin.post("/api/v1/people/me/photo/", {"photo": _upload(300 * 1024)})
    assert api.status_code == 413
    assert api.json()["code"] == "plan_limit"


def test_uploads_within_the_plan_and_small_forms_pass(nearly_full, school_a):
    admin = logged_in(school_a, school_admin(school_a))
    # 50 KB fits in the remaining 0.1 MB; the view itself answers (whatever it says about the file).
    assert admin.post("/admin/images/multiple/add/", {"files[]": _upload(50 * 1024)}).status_code != 413
    assert admin.post("/accounts/login/", {"username": "x", "password": "y"}).status_code != 413


def test_another_schools_full_storage_does_not_touch_this_one(nearly_full, sub_b, school_b):
    admin_b = logged_in(school_b, school_admin(school_b))
    assert admin_b.post("/admin/images/multiple/add/", {"files[]": _upload(300 * 1024)}).status_code != 413
