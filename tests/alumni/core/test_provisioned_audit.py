"""A new school's audit log begins with the school's own creation, in that school only."""

from alumni.core.models import AuditEntry
from tenants.services import SchoolAdmin, school_create
from tests.conftest import inside


def test_new_school_log_starts_with_its_creation(db, school_a):
    school = school_create(
        name="伽马大学",
        short_name="伽大",
        subdomain="gamma-audit",
        admin=SchoolAdmin(email="admin@gamma.edu.cn", password="Gamma-pass-2026"),
    )
    with inside(school):
        entry = AuditEntry.objects.get(action="school.provisioned")
        assert "gamma-audit.localhost" in entry.summary and "admin@gamma.edu.cn" in entry.summary
        assert entry.actor_label == "系统"
    with inside(school_a):
        assert not AuditEntry.objects.filter(summary__contains="伽马大学").exists()
