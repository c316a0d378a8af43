"""Numbers for the statistics page and the dashboard: active records only, persons counted once
per bucket (a person with a bachelor's and a master's degree at one college counts once there)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from alumni.core.selectors import user_counts
from alumni.people.choices import DegreeLevel, Verification
from alumni.people.models import AccountLink, Degree, Person

UNKNOWN = "未填写"


def record_counts() -> dict[str, int]:
    """Total active records and verified ones (dashboard)."""
    row = Person.objects.filter(merged_into__isnull=True).aggregate(
        total=Count("pk"), verified=Count("pk", filter=Q(verification=Verification.VERIFIED))
    )
    return {"total": row["total"], "verified": row["verified"]}


def _active_degrees():
    return Degree.objects.filter(person__merged_into__isnull=True).order_by()


def by_graduation_year() -> list[tuple[str, int]]:
    rows = (
        _active_degrees()
        .filter(graduation_year__isnull=False)
        .values("graduation_year")
        .annotate(n=Count("person", distinct=True))
        .order_by("graduation_year")
    )
    return [(str(row["graduation_year"]), row["n"]) for row in rows]


def by_college() -> list[tuple[str, int]]:
    rows = (
        _active_degrees()
        .values("college__name")
        .annotate(n=Count("person", distinct=True))
        .order_by("-n", "college__name")
    )
    return [(row["college__name"] or UNKNOWN, row["n"]) for row in rows]


def by_level() -> list[tuple[str, int]]:
    labels = dict(DegreeLevel.choices)
    rows = _active_degrees().values("level").annotate(n=Count("person", distinct=True)).order_by("-n")
    return [(str(labels.get(row["level"], row["level"])), row["n"]) for row in rows]


def _by_person_field(field: str, *, limit: int | None = None) -> list[tuple[str, int]]:
    rows = (
        Person.objects.filter(merged_into__isnull=True)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .order_by("-n", field)
    )
    if limit:
        rows = rows[:limit]
    return [(row[field] or UNKNOWN, row["n"]) for row in rows]


def by_industry() -> list[tuple[str, int]]:
    return _by_person_field("industry")


def by_province() -> list[tuple[str, int]]:
    return _by_person_field("province")


def by_city(*, limit: int = 30) -> list[tuple[str, int]]:
    return _by_person_field("city", limit=limit)


def funnel() -> list[tuple[str, int]]:
    """Registration → verification: alumni accounts (admins left out), those that claimed a
    record (or were linked directly), and those linked to a record (verified)."""
    alumni_accounts = user_counts()["alumni"]
    users = get_user_model().objects.filter(is_active=True, is_superuser=False, is_staff=False)
    claimed = users.filter(Q(claims__isnull=False) | Q(person_link__isnull=False)).distinct().count()
    linked = AccountLink.objects.filter(user__in=users, person__merged_into__isnull=True).count()
    return [("注册账号", alumni_accounts), ("提交认证", claimed), ("认证通过", linked)]
