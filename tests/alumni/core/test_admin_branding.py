"""The back office carries the school's name, logo and colour; Chinese first, English on request."""

from __future__ import annotations

import re

from django.core.files.base import ContentFile
from django.db import connection
from wagtail.users.models import UserProfile

from tenants.models import School
from tests.conftest import inside


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_login_page_shows_this_schools_name_only(client_a, client_b):
    page_a = html(client_a.get("/admin/login/"))
    page_b = html(client_b.get("/admin/login/"))
    assert "阿尔法大学" in page_a and "贝塔理工大学" not in page_a
    assert "贝塔理工大学" in page_b and "阿尔法大学" not in page_b
    assert re.search(r"<title>[^<]*阿大校友会 · 管理后台</title>", page_a)
    assert re.search(r"<title>[^<]*贝理工校友会 · 管理后台</title>", page_b)


def test_login_page_is_chinese_by_default_with_the_school_monogram(client_a):
    page = html(client_a.get("/admin/login/"))
    assert '<html lang="zh-hans"' in page
    assert "账号" in page and "邮箱、手机号或用户名" in page and "校友会管理后台" in page
    assert 'aria-label="阿大"' in page  # the monogram badge drawn from the short name
    assert 'rel="icon" href="data:image/svg+xml,' in page
    assert "Sign in to Wagtail" not in page


def test_uploaded_logo_replaces_the_monogram(school_a, client_a, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # makes the tenant storage re-read MEDIA_ROOT
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    connection.set_schema_to_public()
    school_a.logo.save("alpha.png", ContentFile(png), save=True)
    page = html(client_a.get("/admin/login/"))
    assert re.search(r'<img class="school-badge" src="/media/platform/school-logos/alpha[^"]*\.png"', page)
    assert 'rel="icon" href="/media/platform/school-logos/alpha' in page
    # Logos live in the platform's folder, not in any schema's media folder.
    assert (tmp_path / "platform" / "school-logos").is_dir()


def test_admin_pages_are_tinted_with_the_schools_colour(school_a, client_a):
    School.objects.filter(pk=school_a.pk).update(primary_color="#1f4e8c")
    page = html(client_a.get("/admin/login/"))
    assert "--w-color-primary-hue: 214.1" in page


def test_sidebar_and_dashboard_carry_the_school(admin_client_a, admin_client_b):
    page_a = html(admin_client_a.get("/admin/"))
    page_b = html(admin_client_b.get("/admin/"))
    sidebar_a = page_a.split("data-wagtail-sidebar-branding-logo>", 1)[1].split("</template>", 1)[0]
    assert "school-brand__name" in sidebar_a and "阿大" in sidebar_a
    assert re.search(r"<h1 class=\"w-h1 w-mt-0\">\s*阿尔法大学校友会管理后台\s*</h1>", page_a)
    assert "阿尔法大学" not in page_b and "贝理工" in page_b
    assert re.search(r"<title>控制面板 - 阿大校友会 · 管理后台</title>", page_a)


def test_english_switch_on_the_login_page(client_a):
    page = html(client_a.get("/admin/login/"))
    assert 'action="/i18n/setlang/"' in page and 'value="en"' in page
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    assert response.status_code == 302 and response["Location"] == "/admin/login/"
    page = html(client_a.get("/admin/login/"))
    assert '<html lang="en"' in page
    assert "Alumni Association back office" in page and "E-mail, mobile or username" in page
    assert "阿尔法大学" in page  # the school's own name is not translated
    client_a.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/login/"})
    assert "校友会管理后台" in html(client_a.get("/admin/login/"))


def test_english_switch_carries_into_the_back_office(admin_client_a):
    admin_client_a.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = html(admin_client_a.get("/admin/"))
    assert '<html lang="en"' in page
    assert "Alumni accounts" in page and "Nothing to do" in page and "Alumni Association back office" in page


def test_per_user_language_preference_wins(school_a, admin_a, admin_client_a):
    with inside(school_a):
        profile = UserProfile.get_for_user(admin_a)
        profile.preferred_language = "en"
        profile.save()
    page = html(admin_client_a.get("/admin/"))
    assert '<html lang="en"' in page and "Administrators" in page


def test_a_malformed_colour_never_reaches_the_css(school_a, client_a):
    School.objects.filter(pk=school_a.pk).update(primary_color="red;}")
    login, home = html(client_a.get("/admin/login/")), html(client_a.get("/"))
    assert "red;}" not in login and "red;}" not in home
    assert "--brand: #8b1a1a" in home
