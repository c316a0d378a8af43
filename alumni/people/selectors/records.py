"""Back-office reads of alumni records: the admin list with its filters and search, the detail
page of one person, and the rows of the XLSX export (masked unless the user may see PII whole)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from alumni.accounts.models import WeChatIdentity
from alumni.core.models import AuditEntry
from alumni.core.pii import mask_phone
from alumni.people.models import AccountLink, Claim, Degree, Person

# Cap on ids pulled from the search backend for one admin query: far more than anyone pages.
SEARCH_ID_LIMIT = 10_000
SEARCH_PAGE = 200
# Filters that concern one degree: combined, they must hold for the SAME degree
# (本科 at 计算机学院 graduating 2012, not 本科 somewhere and 2012 somewhere else).
DEGREE_FILTERS = ("college_id", "major_id", "level", "enrollment_year", "graduation_year")


def can_view_pii(user) -> bool:
    """May this user see ID numbers and phones whole (school admins and the view_pii permission)."""
    return bool(user and user.is_authenticated and user.has_perm("people.view_pii"))


def persons_active() -> QuerySet[Person]:
    """Records an admin works with: merged-away tombstones are left out."""
    return Person.objects.filter(merged_into__isnull=True)


def person_resolve(public_id: str) -> Person | None:
    """The active record behind a public id, following merges (old links keep working)."""
    person = Person.objects.filter(public_id=public_id).first()
    seen = set()
    while person is not None and person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)
        person = Person.objects.filter(pk=person.merged_into_id).first()
    return person


def persons_filter(queryset: QuerySet[Person], filters: dict[str, Any]) -> QuerySet[Person]:
    """Apply the list filters (empty values are ignored)."""
    f = {key: value for key, value in filters.items() if value not in (None, "", [], ())}
    degree_q = Q()
    for key in DEGREE_FILTERS:
        if key in f:
            degree_q &= Q(**{key: f[key]})
    if degree_q:
        degrees = Degree.objects.filter(degree_q, person=OuterRef("pk"))
        queryset = queryset.filter(Exists(degrees))
    for key in ("city", "province", "industry", "verification", "source"):
        if key in f:
            queryset = queryset.filter(**{key: f[key]})
    if "company" in f:
        queryset = queryset.filter(company__icontains=f["company"])
    if "is_vip" in f:
        queryset = queryset.filter(is_vip=f["is_vip"] in (True, "true", "1", 1))
    if "tag" in f:
        queryset = queryset.filter(tags__contains=[f["tag"]])
    if "group_id" in f:
        queryset = queryset.filter(groups__id=f["group_id"])
    return queryset


def _search_backend():
    """The shared search contract when it is installed, else None (plain ILIKE fallback)."""
    try:
        from alumni.people.search import search_persons
    except ImportError:
        return None
    return search_persons


def persons_search(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Narrow ``queryset`` to the persons matching ``query`` (names, pinyin, initials, company…)."""
    query = (query or "").strip()
    if not query:
        return queryset
    search_persons = _search_backend()
    if search_persons is not None:
        ids: list[int] = []
        while len(ids) < SEARCH_ID_LIMIT:
            # The backend pages (at most 200 per call): collect every id, then let the ORM filter.
            result = search_persons(query=query, offset=len(ids), limit=SEARCH_PAGE)
            ids.extend(result.ids)
            if not result.ids or len(ids) >= result.total:
                break
        return queryset.filter(pk__in=ids)
    lowered = query.lower()
    return queryset.filter(
        Q(name__icontains=query)
        | Q(name_pinyin__icontains=lowered.replace(" ", ""))
        | Q(name_initials__iexact=lowered)
        | Q(company__icontains=query)
        | Q(city__icontains=query)
        | Q(phones__contains=[query])
    )


def person_tags() -> list[str]:
    """Every tag in use, for the tag filter."""
    rows = persons_active().order_by().values_list("tags", flat=True).distinct()
    return sorted({tag for tags in rows for tag in tags})


def persons_for_list(queryset: QuerySet[Person]) -> QuerySet[Person]:
    """What the list and the export show per row: degrees in one extra query."""
    return queryset.prefetch_related(
        Prefetch("degrees", queryset=Degree.objects.select_related("college", "major")),
        "groups",
    )


def phones_display(person: Person, *, full: bool) -> str:
    return "、".join(person.phones if full else [mask_phone(p) for p in person.phones])


def id_number_display(person: Person, *, full: bool) -> str:
    return person.id_number if full else person.id_number_masked


def degrees_display(person: Person) -> str:
    parts = []
    for degree in person.degrees.all():
        college = degree.college.name if degree.college else degree.college_name_raw
        major = degree.major.name if degree.major else degree.major_name
        years = f"{degree.enrollment_year or '?'}–{degree.graduation_year or '?'}"
        parts.append(" ".join(filter(None, [degree.get_level_display(), college, major, years])))
    return "；".join(parts)


EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("public_id", "编号"),
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("id_number", "身份证号"),
    ("phones", "手机号"),
    ("emails", "邮箱"),
    ("degrees", "学历"),
    ("province", "省份"),
    ("city", "城市"),
    ("company", "工作单位"),
    ("title", "职务"),
    ("industry", "行业"),
    ("tags", "标签"),
    ("groups", "分组"),
    ("is_vip", "重要校友"),
    ("verification", "认证状态"),
    ("source", "来源"),
]


def person_export_row(person: Person, *, full_pii: bool) -> dict[str, Any]:
    """One spreadsheet row; ID number and phones masked unless ``full_pii``."""
    return {
        "public_id": person.public_id,
        "name": person.name,
        "gender": person.get_gender_display() if person.gender else "",
        "birth_date": person.birth_date,
        "id_number": id_number_display(person, full=full_pii),
        "phones": phones_display(person, full=full_pii),
        "emails": "、".join(person.emails),
        "degrees": degrees_display(person),
        "province": person.province,
        "city": person.city,
        "company": person.company,
        "title": person.title,
        "industry": person.industry,
        "tags": "、".join(person.tags),
        "groups": "、".join(group.name for group in person.groups.all()),
        "is_vip": "是" if person.is_vip else "",
        "verification": person.get_verification_display(),
        "source": person.get_source_display(),
    }


def person_detail(person: Person) -> dict[str, Any]:
    """Everything the inspect page shows about one person besides its own fields."""
    links = list(AccountLink.objects.filter(person=person).select_related("user").order_by("created_at"))
    user_ids = [link.user_id for link in links]
    identities = WeChatIdentity.objects.filter(user_id__in=user_ids).order_by("kind", "app_id")
    by_user: dict[int, list] = {}
    for identity in identities:
        by_user.setdefault(identity.user_id, []).append(identity)
    for link in links:
        link.wechat = by_user.get(link.user_id, [])
    merged_ids = [str(pk) for pk in Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    audit = AuditEntry.objects.filter(
        object_type=Person._meta.label_lower, object_id__in=[str(person.pk), *merged_ids]
    ).order_by("-created_at", "-id")[:50]
    return {
        "degrees": list(person.degrees.select_related("college", "major")),
        "links": links,
        "claims": list(Claim.objects.filter(person=person).select_related("user", "reviewer")),
        "merged_from": list(Person.objects.filter(merged_into=person).order_by("pk")),
        "groups": list(person.groups.all()),
        "audit": list(audit),
    }
