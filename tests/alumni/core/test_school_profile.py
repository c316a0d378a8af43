"""设置 → 学校信息: a school admin edits the school's name, colour and logo from the back office."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from alumni.core.models import AuditEntry
from tenants.models import OperatorLog, School
from tests.conftest import host_of, inside

URL = "/admin/school-profile/"


def png(colour="red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def form_data(**overrides):
    data = {
        "name": "阿尔法大学",
        "short_name": "阿大",
        "primary_color": "#123456",
        "contact_phone": "010-12345678",
        "admin_email": "office@alpha.edu.cn",
    }
    data.update(overrides)
    return data


def test_school_admin_changes_name_colour_and_logo(admin_client_a, school_a, school_b):
    response = admin_client_a.get(URL)
    assert response.status_code == 200
    assert "学校信息" in response.content.decode()

    response = admin_client_a.post(URL, form_data(short_name="阿尔法", logo=png()))
    assert response.status_code == 302
    school = School.objects.get(pk=school_a.pk)
    assert school.short_name == "阿尔法" and school.primary_color == "#123456"
    assert school.logo.name.startswith("school-logos/")
    stored = Path(settings.MEDIA_ROOT) / "platform" / school.logo.name
    assert stored.exists()
    assert school.logo.url.startswith("/media/platform/")
    # The back office now shows the uploaded logo instead of the monogram.
    assert school.logo.url in admin_client_a.get("/admin/").content.decode()
    # Beta is untouched.
    assert School.objects.get(pk=school_b.pk).short_name == "贝理工"
    # Logged in both the school's audit log and the platform's operator log.
    with inside(school_a):
        entry = AuditEntry.objects.get(action="school.profile_update")
        assert entry.before["short_name"] == "阿大" and entry.after["short_name"] == "阿尔法"
    with inside(school_b):
        assert not AuditEntry.objects.filter(action="school.profile_update").exists()
    assert OperatorLog.objects.filter(school=school_a, action="school_profile_update").exists()

    response = admin_client_a.post(URL, form_data(clear_logo="on"))
    assert response.status_code == 302
    assert not School.objects.get(pk=school_a.pk).logo


def test_bad_input_is_explained_and_nothing_changes(admin_client_a, school_a):
    response = admin_client_a.post(URL, form_data(primary_color="red", name=""))
    assert response.status_code == 200
    body = response.content.decode()
    assert "#8b1a1a" in body  # the colour hint
    assert School.objects.get(pk=school_a.pk).name == "阿尔法大学"


def test_only_school_admins_may_edit(client_a, school_a, alumnus_client_a, editor_client_a, admin_client_b):
    assert client_a.get(URL).status_code == 302  # anonymous: to the admin login
    assert alumnus_client_a.get(URL).status_code == 302  # no admin access at all
    # Admin access but not a school admin: Wagtail turns the refusal into a redirect to the dashboard.
    assert editor_client_a.get(URL).url == "/admin/"
    assert editor_client_a.post(URL, form_data(name="篡改")).url == "/admin/"
    # Beta's admin cannot reach alpha's profile: their session means nothing on alpha's host.
    admin_b_on_alpha = Client(HTTP_HOST=host_of(school_a), cookies=admin_client_b.cookies)
    assert admin_b_on_alpha.post(URL, form_data(name="篡改")).status_code == 302
    assert School.objects.get(pk=school_a.pk).name == "阿尔法大学"
