"""``bootstrap_demo``: the platform operator and two demo schools with content, created once."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from wagtail.models import Page

from alumni.core.demo import demo_people
from alumni.core.models import AuditEntry
from alumni.network.models import Membership, Organization
from alumni.people.choices import Verification
from alumni.people.models import Claim, Person
from billing.payments.models import ProviderAccount
from cms.models import ArticlePage, HomePage, NewsPage
from tenants.models import School
from tests.conftest import inside


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    return tmp_path


def snapshot() -> dict:
    counts = {"operators": get_user_model().objects.filter(is_superuser=True).count()}
    for school in School.objects.filter(subdomain__in=["demo-a", "demo-b"]):
        with inside(school):
            counts[school.subdomain] = {
                "news": NewsPage.objects.live().count(),
                "pages": Page.objects.count(),
                "users": get_user_model().objects.count(),
                "audit": AuditEntry.objects.count(),
                "services": len(HomePage.objects.get().services),
                "records": Person.objects.count(),
                "verified": Person.objects.filter(verification=Verification.VERIFIED).count(),
                "pending_claims": Claim.objects.filter(status=Claim.Status.PENDING).count(),
                "organizations": Organization.objects.count(),
                "memberships": Membership.objects.count(),
            }
    return counts


def run() -> str:
    out = io.StringIO()
    call_command("bootstrap_demo", stdout=out)
    return out.getvalue()


def test_bootstrap_demo_creates_everything_once(db, media):
    first_output = run()
    first = snapshot()
    second_output = run()

    assert snapshot() == first
    assert first["operators"] == 1
    assert first["demo-a"]["news"] == 10 and first["demo-b"]["news"] == 9
    assert first["demo-a"]["users"] == 49 and first["demo-b"]["users"] == 37  # alumni + the admin
    # Demo alumni verified themselves by claiming records; a few wait in the review queue.
    assert first["demo-a"]["verified"] == 48 - 5 and first["demo-a"]["pending_claims"] == 3
    assert first["demo-a"]["records"] > 200
    # A head association with college, regional and industry chapters and clubs, with members.
    assert first["demo-a"]["organizations"] == 13 and first["demo-a"]["memberships"] > 40
    assert "demo-a: 10 news, 1 about page, 48 alumni created" in first_output
    assert "demo-a: 0 news, 0 about page, 0 alumni created" in second_output
    for url in (
        "http://localhost:8000/console/",
        "http://demo-a.localhost:8000/",
        "http://demo-a.localhost:8000/admin/",
        "http://demo-b.localhost:8000/admin/",
        "http://demo-a.localhost:8000/api/docs/",
        "admin@demo-a.edu.cn / demo-admin-2026",
        "operator@alumni.cloud / operator-demo-2026",
    ):
        assert url in second_output, url

    demo_a = School.objects.get(subdomain="demo-a")
    assert demo_a.is_demo and demo_a.primary_color == "#8b1a1a"
    with inside(demo_a):
        assert ArticlePage.objects.filter(slug="about", live=True).exists()
        alumnus = demo_people("demo-a", 1)[0]
        user = get_user_model().objects.get(phone=alumnus["phone"])
        assert user.name == alumnus["name"] and user.check_password("alumni-demo-2026")
        # Demo schools pay through the labelled sandbox whatever the server's settings, set once.
        assert ProviderAccount.objects.get(provider="sandbox").enabled
        assert AuditEntry.objects.filter(action="payments.account_update").count() == 1

    home = Client(HTTP_HOST="demo-a.localhost").get("/")
    assert "明德大学校友会" in home.content.decode() and "关于我们" in home.content.decode()
    login = Client(HTTP_HOST="demo-b.localhost")
    assert login.login(username="admin@demo-b.edu.cn", password="demo-admin-2026") is False  # wrong schema
    with inside(School.objects.get(subdomain="demo-b")):
        assert login.login(username="admin@demo-b.edu.cn", password="demo-admin-2026")


def test_demo_people_are_realistic_unique_and_stable():
    people = demo_people("demo-a", 60)
    assert people == demo_people("demo-a", 60)
    assert len({p["phone"] for p in people}) == 60 and len({p["email"] for p in people}) == 60
    assert all(len(p["phone"]) == 11 and p["phone"].startswith("1") for p in people)
    assert all(2 <= len(p["name"]) <= 4 for p in people)
    assert all(p["email"].split("@")[1].startswith("example.") for p in people)
    assert demo_people("demo-b", 5) != people[:5]
