"""Provisioning correctness: a failure leaves nothing behind; clones follow new migrations."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from tenants import services
from tenants.errors import ProvisioningFailed, SchoolStateError, SubdomainUnavailable, TemplateMissing
from tenants.fleet import schemas_with_pending
from tenants.models import Domain, OperatorLog, School
from tenants.services import SchoolAdmin, school_create, school_reactivate, school_suspend
from tenants.signals import school_provisioned
from tests.conftest import inside
from tests.tenants.conftest import schemas, table_exists

pytestmark = pytest.mark.django_db

ADMIN = SchoolAdmin(email="admin@fail.edu.cn", password="Fail-pass-2024", name="管理员")


def assert_nothing_left(subdomain: str) -> None:
    assert not School.objects.filter(subdomain=subdomain).exists()
    assert not Domain.objects.filter(domain=f"{subdomain}.localhost").exists()
    assert subdomain.replace("-", "_") not in schemas()
    assert not OperatorLog.objects.filter(after__subdomain=subdomain).exists()
    assert not get_user_model().objects.filter(email=ADMIN.email).exists()  # not leaked into public


def create(subdomain: str = "failing", **kwargs) -> School:
    return school_create(name="失败大学", short_name="失大", subdomain=subdomain, admin=ADMIN, **kwargs)


def test_a_receiver_failing_after_the_clone_leaves_nothing_behind():
    reached = []

    def explode(*, school, **kwargs):
        # By now the schema is cloned, the domain saved and the admin created inside the schema.
        reached.append(get_user_model().objects.filter(email=ADMIN.email).exists())
        raise RuntimeError("receiver broke")

    school_provisioned.connect(explode, dispatch_uid="test-explode")
    try:
        with pytest.raises(ProvisioningFailed, match="receiver broke"):
            create()
    finally:
        school_provisioned.disconnect(dispatch_uid="test-explode")
    assert reached == [True]
    assert connection.schema_name == "public"
    assert_nothing_left("failing")
    # Nothing blocks a second attempt with the same subdomain.
    assert create().is_ready


def test_a_clone_that_dies_half_way_leaves_no_schema(monkeypatch):
    real_clone = services.clone_schema

    def clone_then_crash(base, new, *args, **kwargs):
        real_clone(base, new, *args, **kwargs)
        assert new in schemas()  # the schema really was there
        raise OSError("connection lost")

    monkeypatch.setattr(services, "clone_schema", clone_then_crash)
    with pytest.raises(ProvisioningFailed):
        create()
    assert_nothing_left("failing")


def test_a_database_error_half_way_leaves_nothing_behind(school_a):
    # The extra domain belongs to alpha already: the unique constraint fails after the clone.
    with pytest.raises(ProvisioningFailed):
        create(extra_domains=("alpha.localhost",))
    assert_nothing_left("failing")
    assert Domain.objects.get(domain="alpha.localhost").tenant_id == school_a.pk


def test_a_missing_template_is_reported_before_anything_is_written():
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{settings.TENANT_BASE_SCHEMA}" RENAME TO "template_away"')
    with pytest.raises(TemplateMissing, match="migrate"):
        create()
    assert_nothing_left("failing")


def test_an_unavailable_subdomain_is_refused_by_the_service_itself(school_a):
    with pytest.raises(SubdomainUnavailable) as taken:
        create("alpha")
    assert taken.value.code == "subdomain_taken"
    with pytest.raises(SubdomainUnavailable) as reserved:
        create("school-template")
    assert reserved.value.code == "subdomain_reserved"


def test_a_new_school_gets_its_own_site_hostname_and_admin():
    school = create("fresh-one")
    assert school.schema_name == "fresh_one"
    with inside(school):
        from wagtail.models import Site

        site = Site.objects.get(is_default_site=True)
        assert site.hostname == "fresh-one.localhost"
        assert get_user_model().objects.get(email=ADMIN.email).is_superuser


def test_suspend_and_reactivate_only_from_the_right_state(school_a):
    with pytest.raises(SchoolStateError):
        school_reactivate(school=school_a)
    school_suspend(school=school_a, reason="测试")
    with pytest.raises(SchoolStateError):
        school_suspend(school=school_a, reason="again")
    school = school_reactivate(school=school_a)
    assert school.is_ready and school.status == School.Status.ACTIVE


def test_a_school_created_after_a_new_migration_has_the_new_table(school_a, school_b, settings):
    """Template drift: deploy a new migration, run migrate, and the next clone has its table."""
    template = settings.TENANT_BASE_SCHEMA
    assert not table_exists(template, "drift_probe")
    # A release adds a migration creating a table (see tests/tenants/drift_migrations/).
    settings.MIGRATION_MODULES = {"rest_framework": "tests.tenants.drift_migrations"}
    try:
        assert template in schemas_with_pending([template])

        call_command("migrate", interactive=False, verbosity=0)

        assert table_exists(template, "drift_probe")
        assert table_exists("alpha", "drift_probe") and table_exists("beta", "drift_probe")
        assert not table_exists("public", "drift_probe")  # a school-only app
        assert schemas_with_pending([template, "alpha", "beta"]) == []

        school = create("after-drift")
        assert table_exists("after_drift", "drift_probe")
        assert schemas_with_pending(["after_drift"]) == []  # its migration records came along
        with inside(school), connection.cursor() as cursor:
            cursor.execute("INSERT INTO drift_probe (note) VALUES ('works') RETURNING id")
            assert cursor.fetchone()[0] == 1
    finally:
        # The migration's content types lived only in this test's transaction.
        ContentType.objects.clear_cache()
        connection.set_schema_to_public()
