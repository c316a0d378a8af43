"""Nothing one school does shows at another: pages, users, sessions, caches, media, tasks, API.

Every test acts in school alpha and looks at school beta the way a visitor, an admin or a
background job of beta would.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import ReferenceIndex, Site
from wagtail.models.sites import SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION

from alumni.core.models import AuditEntry
from alumni.core.tasks import audit_record_system
from cms.models import NewsIndexPage, NewsPage
from tenants.tasks import send_after_commit
from tests.conftest import ADMIN_PASSWORD, SCHOOLS, host_of, inside

Image = get_image_model()


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """A throw-away MEDIA_ROOT (storage caches its root until the tenant setting changes too)."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    return tmp_path


def publish_news(school, *, title: str, slug: str, cover=None) -> NewsPage:
    with inside(school):
        index = NewsIndexPage.objects.get()
        page = NewsPage(title=title, slug=slug, summary=title, body=f"<p>{title}</p>", cover=cover)
        index.add_child(instance=page)
        page.save_revision().publish()
        return page


def admin_login(client: Client, school_key: str) -> int:
    email = SCHOOLS[school_key][2]
    response = client.post("/admin/login/", {"username": email, "password": ADMIN_PASSWORD})
    return response.status_code


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (120, 80), (139, 26, 26)).save(buffer, "PNG")
    return buffer.getvalue()


# --- Pages -------------------------------------------------------------------------------------


def test_news_published_in_one_school_is_served_only_on_its_host(client_a, client_b, school_a):
    page = publish_news(school_a, title="阿大校友返校日 Homecoming", slug="homecoming")
    with inside(school_a):
        path = page.get_url()

    response_a = client_a.get(path)
    response_b = client_b.get(path)

    assert response_a.status_code == 200
    assert "阿大校友返校日" in response_a.content.decode()
    assert response_b.status_code == 404
    assert "阿大校友返校日" not in response_b.content.decode()


# --- Users and sessions ------------------------------------------------------------------------


def test_an_admin_of_one_school_cannot_log_in_at_another(client_a, client_b):
    assert admin_login(client_a, "alpha") == 302  # redirected into alpha's back office
    assert admin_login(client_b, "alpha") == 200  # beta's login form again, with an error

    response = client_b.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_session_cookie_from_one_school_means_nothing_at_another(client_a, school_b):
    assert admin_login(client_a, "alpha") == 302
    session_id = client_a.cookies["sessionid"].value
    assert client_a.get("/admin/").status_code == 200

    intruder = Client(HTTP_HOST=host_of(school_b))
    intruder.cookies["sessionid"] = session_id
    response = intruder.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- Caches ------------------------------------------------------------------------------------


def test_a_cached_value_is_visible_only_in_its_school(school_a, school_b):
    key = f"greeting-{uuid.uuid4().hex}"
    with inside(school_a):
        cache.set(key, "阿大")
    with inside(school_b):
        assert cache.get(key) is None
        cache.set(key, "贝理工")
    with inside(school_a):
        assert cache.get(key) == "阿大"
        cache.delete(key)
    with inside(school_b):
        assert cache.get(key) == "贝理工"
        cache.delete(key)


def test_wagtail_site_root_paths_are_cached_per_school(school_a, school_b):
    with inside(school_a):
        Site.clear_site_root_paths_cache()
        roots_a = [root.root_url for root in Site.get_site_root_paths()]
        assert cache.get(SITE_ROOT_PATHS_CACHE_KEY, version=SITE_ROOT_PATHS_CACHE_VERSION)  # now cached
    with inside(school_b):
        roots_b = [root.root_url for root in Site.get_site_root_paths()]
        news_b_url = NewsIndexPage.objects.get().get_full_url()

    assert len(roots_a) == len(roots_b) == 1
    assert roots_a[0].startswith(f"http://{host_of(school_a)}")
    assert roots_b[0].startswith(f"http://{host_of(school_b)}")
    assert news_b_url.startswith(f"http://{host_of(school_b)}")


def test_image_renditions_never_cross_schools_even_for_the_same_image_id(school_a, school_b, media_root):
    # The same id and the same bytes (same file hash): Wagtail's rendition cache key is built
    # from exactly these, so only the schema in the key keeps beta from receiving alpha's.
    content = png_bytes()
    images, renditions = {}, {}
    for school in (school_a, school_b):
        with inside(school):
            images[school.subdomain] = Image.objects.create(
                pk=90_001,
                title=f"{school.short_name}校门",
                file=ImageFile(io.BytesIO(content), name="gate.png"),
            )
            rendition = images[school.subdomain].get_rendition("fill-60x40")
            renditions[school.subdomain] = {
                "pk": rendition.pk,
                "path": Path(rendition.file.path),
                "url": rendition.url,
                "cache_key": Image.get_rendition_model().cache_backend.make_key(rendition.get_cache_key()),
            }
            # What beta's visitors get is beta's own rendition: a row in its table, a file on disk.
            assert Image.get_rendition_model().objects.filter(pk=rendition.pk, image_id=90_001).exists()
            assert rendition.file.storage.exists(rendition.file.name)

    alpha, beta = renditions["alpha"], renditions["beta"]
    assert images["alpha"].file_hash == images["beta"].file_hash
    assert alpha["cache_key"] != beta["cache_key"]
    assert alpha["path"] != beta["path"]
    assert alpha["path"].is_relative_to(media_root / school_a.schema_name)
    assert beta["path"].is_relative_to(media_root / school_b.schema_name)
    assert alpha["url"] != beta["url"]

    with inside(school_b):
        again = Image.objects.get(pk=90_001).get_rendition("fill-60x40")  # served from the cache
        assert again.pk == beta["pk"]
        assert Path(again.file.path) == beta["path"]


# --- Media files -------------------------------------------------------------------------------


def test_media_saved_in_one_school_lands_in_its_folder_and_is_unreachable_from_another(
    school_a, school_b, media_root
):
    with inside(school_a):
        name = default_storage.save(
            "exports/alumni.csv", ContentFile("姓名,手机\n张三,13800000000\n".encode())
        )
        path_a = Path(default_storage.path(name))
        url_a = default_storage.url(name)

    assert path_a == media_root / school_a.schema_name / "exports" / "alumni.csv"
    assert url_a == f"/media/{school_a.schema_name}/exports/alumni.csv"
    with inside(school_b):
        assert not default_storage.exists(name)
        with pytest.raises(FileNotFoundError):
            default_storage.open(name)
        default_storage.save(name, ContentFile(b"beta"))  # same name, its own file
    assert path_a.read_text() == "姓名,手机\n张三,13800000000\n"


# --- Background work ---------------------------------------------------------------------------


def audit_actions(school, marker: str) -> list[str]:
    with inside(school):
        return list(AuditEntry.objects.filter(summary=marker).values_list("action", flat=True))


def test_a_celery_task_sent_from_a_school_runs_in_that_school(
    school_a, school_b, django_capture_on_commit_callbacks
):
    marker = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=True):
        with inside(school_a):
            send_after_commit(audit_record_system, action="import_done", summary=marker)
        with inside(school_b):
            audit_record_system.delay(action="report_sent", summary=marker)

    assert audit_actions(school_a, marker) == ["import_done"]
    assert audit_actions(school_b, marker) == ["report_sent"]


def test_wagtail_background_tasks_write_into_the_publishing_school(school_a, school_b, media_root):
    """Reference index and search index updates (django-tasks) land in the publisher's schema."""
    with inside(school_a):
        cover = Image.objects.create(
            pk=90_002, title="校庆封面", file=ImageFile(io.BytesIO(png_bytes()), name="cover.png")
        )
    with inside(school_b):
        Image.objects.create(
            pk=90_002, title="贝理工封面", file=ImageFile(io.BytesIO(png_bytes()), name="cover.png")
        )

    page = publish_news(school_a, title="Quokkafest alumni reunion", slug="quokkafest", cover=cover)

    with inside(school_a):
        # "Used 1 time" in alpha's image library; alpha's site search finds the news.
        assert [ref.object_id for ref in ReferenceIndex.get_references_to(cover)] == [str(page.pk)]
        assert [hit.pk for hit in NewsPage.objects.live().search("Quokkafest")] == [page.pk]
    with inside(school_b):
        image_b = Image.objects.get(pk=90_002)
        assert not ReferenceIndex.get_references_to(image_b).exists()
        assert list(NewsPage.objects.live().search("Quokkafest")) == []


# --- API ---------------------------------------------------------------------------------------


def test_the_api_answers_with_each_schools_own_name(client_a, client_b, school_a, school_b):
    response_a = client_a.get("/api/v1/school/")
    response_b = client_b.get("/api/v1/school/")

    assert response_a.status_code == response_b.status_code == 200
    assert response_a.json()["name"] == school_a.name
    assert response_b.json()["name"] == school_b.name


def test_the_api_schema_is_served_on_each_school_host(client_a, client_b):
    for client in (client_a, client_b):
        response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        assert response.json()["info"]["title"] == "校友云 Alumni Cloud API"
