"""The alumni directory: verified alumni find other verified alumni.

Search goes through the pluggable search backend (``alumni.people.search.search_persons`` with
``verified_only=True``); this module loads the ranked page of persons and the drill-down facets
(college → major → class / enrollment year, each with how many verified alumni it holds).
Privacy is applied by the caller through ``selectors.privacy.person_cards``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch

from alumni.people.choices import DegreeLevel, Verification
from alumni.people.models import College, Degree, Major, Person
from alumni.people.search import search_persons

# Filters the directory accepts from alumni (a subset of the search contract: no VIP, tags,
# groups or verification state — those are the office's business).
DIRECTORY_FILTERS = (
    "college_id",
    "major_id",
    "level",
    "enrollment_year",
    "graduation_year",
    "class_name",
    "city",
    "province",
    "industry",
    "company",
)
INT_FILTERS = ("college_id", "major_id", "enrollment_year", "graduation_year")
MAX_PAGE_SIZE = 50


@dataclass
class DirectoryPage:
    persons: list[Person]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.persons) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


def directory_filters_clean(raw) -> dict:
    """Keep only known, non-empty filters; integers where the contract wants integers."""
    filters: dict = {}
    for key in DIRECTORY_FILTERS:
        value = raw.get(key)
        if value in (None, ""):
            continue
        if key in INT_FILTERS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                continue
        else:
            value = str(value).strip()
            if not value or (key == "level" and value not in DegreeLevel.values):
                continue
        filters[key] = value
    return filters


def _persons_in_order(ids: list[int]) -> list[Person]:
    degrees = Prefetch("degrees", queryset=Degree.objects.select_related("college", "major"))
    found = Person.objects.filter(
        pk__in=ids, verification=Verification.VERIFIED, merged_into__isnull=True
    ).prefetch_related(degrees)
    by_id = {p.pk: p for p in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def directory_search(
    *, query: str = "", filters: dict | None = None, offset: int = 0, limit: int = 20
) -> DirectoryPage:
    """One page of verified alumni matching the query and filters, best match first."""
    offset = max(0, int(offset or 0))
    limit = min(max(1, int(limit or 20)), MAX_PAGE_SIZE)
    result = search_persons(
        query=(query or "").strip(), filters=filters or {}, verified_only=True, offset=offset, limit=limit
    )
    return DirectoryPage(
        persons=_persons_in_order(list(result.ids)), total=result.total, offset=offset, limit=limit
    )


def _verified_degrees():
    return Degree.objects.filter(person__verification=Verification.VERIFIED, person__merged_into__isnull=True)


def directory_facets(*, college_id: int | None = None, major_id: int | None = None) -> dict:
    """The drill-down: colleges; a college's majors; a major's (or college's) classes and years.

    Counts are distinct verified alumni. Majors not in the catalog are grouped by their name.
    """
    degrees = _verified_degrees()
    if college_id is None:
        rows = (
            degrees.filter(college__isnull=False)
            .values("college_id", "college__name")
            .annotate(count=Count("person", distinct=True))
            .order_by("college__sort_order", "college__name")
        )
        return {
            "level": "colleges",
            "items": [{"id": r["college_id"], "name": r["college__name"], "count": r["count"]} for r in rows],
        }
    college = College.objects.filter(pk=college_id).first()
    if college is None:
        return {"level": "colleges", "items": []}
    degrees = degrees.filter(college=college)
    result: dict = {"level": "majors", "college": {"id": college.pk, "name": college.name}}
    if major_id is None:
        rows = (
            degrees.filter(major__isnull=False)
            .values("major_id", "major__name")
            .annotate(count=Count("person", distinct=True))
            .order_by("major__name")
        )
        result["items"] = [{"id": r["major_id"], "name": r["major__name"], "count": r["count"]} for r in rows]
    else:
        major = Major.objects.filter(pk=major_id, college=college).first()
        if major is None:
            result["items"] = []
            return result
        degrees = degrees.filter(major=major)
        result.update(level="classes", major={"id": major.pk, "name": major.name}, items=[])
    result["classes"] = [
        {"name": r["class_name"], "count": r["count"]}
        for r in degrees.exclude(class_name="")
        .values("class_name")
        .annotate(count=Count("person", distinct=True))
        .order_by("class_name")
    ]
    result["years"] = [
        {"year": r["enrollment_year"], "count": r["count"]}
        for r in degrees.filter(enrollment_year__isnull=False)
        .values("enrollment_year")
        .annotate(count=Count("person", distinct=True))
        .order_by("-enrollment_year")
    ]
    return result


def directory_person(public_id: str) -> Person | None:
    """A verified, active alumnus by public id (what the directory may open)."""
    degrees = Prefetch("degrees", queryset=Degree.objects.select_related("college", "major"))
    return (
        Person.objects.filter(
            public_id=public_id, verification=Verification.VERIFIED, merged_into__isnull=True
        )
        .prefetch_related(degrees)
        .first()
    )


def college_options() -> list[College]:
    """Active colleges with their former names, for forms (claim, degrees, filters)."""
    return list(College.objects.filter(is_active=True).prefetch_related("aliases"))


def major_options(college_id: int | None = None) -> list[Major]:
    majors = Major.objects.select_related("college")
    return list(majors.filter(college_id=college_id) if college_id else majors)


def major_resolve(*, college: College | None, name: str) -> Major | None:
    """A catalog major by its name within a college (None when not in the catalog)."""
    name = (name or "").strip()
    if not (college and name):
        return None
    return Major.objects.filter(college=college, name=name).first()


__all__ = [
    "DIRECTORY_FILTERS",
    "DirectoryPage",
    "college_options",
    "directory_facets",
    "directory_filters_clean",
    "directory_person",
    "directory_search",
    "major_options",
    "major_resolve",
]
