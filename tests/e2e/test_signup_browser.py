"""A visitor signs a school up in a real browser and lands, logged in, in its back office."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import override_settings

from tenants.models import School
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def platform(live_server):
    port = str(urlsplit(live_server.url).port)
    # Hand-off links and page URLs are built from the platform's port.
    with override_settings(PLATFORM_PORT=port):
        yield f"http://localhost:{port}"


@pytest.fixture
def cleanup_school():
    created: list[str] = []
    yield created
    connection.set_schema_to_public()
    for school in School.objects.filter(subdomain__in=created):
        school.delete(force_drop=True)


def test_sign_up_lands_logged_in_in_the_new_back_office(page, platform, cleanup_school):
    subdomain = f"e2e{int(time.time() * 1000) % 10**8}"
    cleanup_school.append(subdomain)
    page.goto(f"{platform}/signup/")
    page.fill("input[name=name]", "端到端测试大学")
    page.fill("input[name=short_name]", "端测大")
    page.fill("input[name=subdomain]", "www")  # reserved: the form must say so
    page.fill("input[name=admin_name]", "王老师")
    page.fill("input[name=admin_email]", "wang@e2e.edu.cn")
    page.fill("input[name=password1]", "Signup-pass-2026")
    page.fill("input[name=password2]", "Signup-pass-2026")
    page.click("button[type=submit]")
    assert "系统保留" in page.content()
    assert not School.objects.filter(subdomain="www").exists()

    page.fill("input[name=subdomain]", subdomain)
    page.fill("input[name=password1]", "Signup-pass-2026")
    page.fill("input[name=password2]", "Signup-pass-2026")
    started = time.perf_counter()
    page.click("button[type=submit]")
    page.wait_for_url(f"http://{subdomain}.localhost:*/admin/**")
    elapsed = time.perf_counter() - started
    screenshot(page, "signup-landed-in-admin")

    # Logged in (the dashboard, not the login form), branded with the new school's name.
    assert "/admin/login" not in page.url
    body = page.content()
    assert "端到端测试大学" in body
    assert "校友账号" in body  # a dashboard counter
    # "About a second later": generous bound for a loaded 2-core CI machine; bench/ measures it.
    assert elapsed < 10
    school = School.objects.get(subdomain=subdomain)
    assert school.is_ready and school.status == School.Status.ACTIVE
