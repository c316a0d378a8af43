"""Reads of the alumni network: the head association, subtrees, roll-up member counts, and an
alumnus's own organizations.

Roll-up rule: a member of a sub-organization counts for every ancestor, once (DISTINCT persons
over the subtree), so a person in two clubs of one chapter is one member of the chapter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from alumni.network.models import (
    ClubApplication,
    JoinRequest,
    Membership,
    OrgActivity,
    Organization,
    OrgType,
    Role,
)
from alumni.people.models import Degree, Person
from alumni.people.selectors.privacy import OPEN_TO_CHAPTERS
from alumni.people.selectors.records import degrees_display, phones_display

HEAD_NAME = "校友总会"


def head_association() -> Organization:
    """The root of the school's tree, created (named 校友总会) if the school has none yet."""
    head = Organization.get_root_nodes().first()
    if head is not None:
        return head
    try:
        # A partial unique index allows one root; of two racing creators, one wins, the other reads.
        with transaction.atomic():
            return Organization.add_root(type=OrgType.HEAD, name=HEAD_NAME, review_mode="open")
    except IntegrityError:
        return Organization.get_root_nodes().get()


def subtree(org: Organization) -> QuerySet[Organization]:
    """The organization and everything below it."""
    return Organization.objects.filter(path__startswith=org.path)


def ancestor_paths(org: Organization) -> list[str]:
    """Paths of the organization and its ancestors (root first)."""
    step = Organization.steplen
    return [org.path[:end] for end in range(step, len(org.path) + 1, step)]


def is_descendant_or_self(org: Organization, of: Organization) -> bool:
    return org.path.startswith(of.path)


def subtree_members(org: Organization) -> QuerySet:
    """Distinct person ids of everyone who is a member anywhere in the organization's subtree."""
    return (
        Membership.objects.filter(organization__path__startswith=org.path)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )


def member_count_subtree(org: Organization) -> int:
    return subtree_members(org).count()


_COUNTS_SQL = """
SELECT o.id, COUNT(DISTINCT m.person_id)
FROM network_organization o
JOIN network_organization d ON d.path LIKE o.path || '%%'
JOIN network_membership m ON m.organization_id = d.id
WHERE o.id = ANY(%s)
GROUP BY o.id
"""


def subtree_member_counts(orgs: Iterable[Organization | int]) -> dict[int, int]:
    """{organization id: distinct members of its subtree} for many organizations, in ONE query."""
    ids = [org if isinstance(org, int) else org.pk for org in orgs]
    if not ids:
        return {}
    counts = dict.fromkeys(ids, 0)
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL, [ids])
        counts.update(dict(cursor.fetchall()))
    return counts


@dataclass(frozen=True)
class MyOrganization:
    organization: Organization
    role: str
    role_label: str
    member_count: int
    joined_at: object


def my_organizations(person) -> list[MyOrganization]:
    """The organizations the person belongs to, with role and roll-up count: two queries."""
    memberships = list(
        Membership.objects.filter(person=person, organization__is_active=True)
        .select_related("organization")
        .order_by("organization__path")
    )
    counts = subtree_member_counts([m.organization for m in memberships])
    return [
        MyOrganization(
            organization=m.organization,
            role=m.role,
            role_label=str(Role(m.role).label),
            member_count=counts.get(m.organization_id, 0),
            joined_at=m.joined_at,
        )
        for m in memberships
    ]


def branch_prefixes(person) -> set[str]:
    """Paths of the top-level chapters (depth 2) under which the person is a member anywhere.

    Two persons share a chapter (an organization other than the head association) exactly when
    these sets meet: every organization below the head lies in one top-level branch.
    """
    prefix = 2 * Organization.steplen
    paths = Membership.objects.filter(
        person=person, organization__depth__gte=2, organization__is_active=True
    ).values_list("organization__path", flat=True)
    return {path[:prefix] for path in paths}


def fellow_ids(branches: set[str]) -> set[int]:
    """Person ids of every member anywhere under the given top-level chapter paths (one query)."""
    condition = Q()
    for path in branches:
        condition |= Q(organization__path__startswith=path)
    return set(
        Membership.objects.filter(condition, organization__is_active=True)
        .values_list("person_id", flat=True)
        .distinct()
    )


# --- back office --------------------------------------------------------------------------------


def organizations_in_tree_order() -> list[Organization]:
    """Every organization, parents before children (path order), for the admin tree."""
    return list(Organization.objects.select_related("college").order_by("path"))


def organization_members(org: Organization) -> QuerySet[Membership]:
    """Direct members of one organization, officers first."""
    rank = {role: i for i, role in enumerate(Role.values)}
    order = Case(*[When(role=role, then=Value(i)) for role, i in rank.items()])
    return (
        Membership.objects.filter(organization=org)
        .select_related("person")
        .order_by(order, "joined_at", "pk")
    )


def join_requests_pending(org: Organization | None = None) -> QuerySet:
    """Pending join requests, oldest first (one organization's, or the whole tree's)."""
    requests = JoinRequest.objects.filter(status=JoinRequest.Status.PENDING)
    if org is not None:
        requests = requests.filter(organization=org)
    return requests.select_related("person", "organization").order_by("created_at", "pk")


# --- the alumni side: browsing and an organization page -------------------------------------


def browse_filters(params) -> tuple[str, str]:
    kind = params.get("type", "")
    return (kind if kind in OrgType.values else ""), (params.get("q") or "").strip()[:40]


def browse_queryset(kind: str, q: str):
    """Active organizations filtered by type and a name/city search (shared with the API)."""
    orgs = Organization.objects.filter(is_active=True).order_by("path")
    if kind:
        orgs = orgs.filter(type=kind)
    if q:
        orgs = orgs.filter(Q(name__icontains=q) | Q(city__icontains=q))
    return orgs


def org_state(person, org: Organization) -> str:
    """The viewer's relation to an organization: member, pending or none."""
    if person is None:
        return "none"
    if Membership.objects.filter(person=person, organization=org).exists():
        return "member"
    if JoinRequest.objects.filter(
        person=person, organization=org, status=JoinRequest.Status.PENDING
    ).exists():
        return "pending"
    return "none"


def organization_leaders(org: Organization) -> list[Membership]:
    return list(
        Membership.objects.filter(organization=org)
        .exclude(role="member")
        .select_related("person")
        .order_by("role", "joined_at")
    )


def subtree_member_search(org: Organization, query: str, *, limit: int = 50) -> list:
    """Members of ``org``'s subtree whose name contains ``query`` (for the president's search)."""
    return list(
        Person.objects.filter(pk__in=subtree_members(org), name__icontains=query).order_by("name", "pk")[
            :limit
        ]
    )


# --- recommendations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    organization: Organization
    reason: str
    member_count: int


def _city_variants(city: str) -> list[str]:
    # Records say 上海 or 上海市; chapters list either.
    base = city.strip().removesuffix("市")
    return [base, f"{base}市"] if base else []


def recommended_organizations(person, *, limit: int = 6) -> list[Recommendation]:
    """Chapters matching the person's colleges, city and industry that they are not in yet
    (nor waiting for), open to applications: two queries whatever the tree's size."""
    if person is None:
        return []
    cities = _city_variants(person.city or "")
    industry = (person.industry or "").strip()
    match = Q(
        type=OrgType.COLLEGE,
        college_id__in=Degree.objects.filter(person_id=person.pk, college__isnull=False).values("college_id"),
    )
    if cities:
        match |= Q(type=OrgType.REGIONAL, cities__overlap=cities)
    if industry:
        match |= Q(type=OrgType.INDUSTRY, industries__contains=[industry])
    # A member of a sub-organization already belongs to its ancestors (the roll-up rule).
    belongs = Membership.objects.filter(person_id=person.pk, organization__path__startswith=OuterRef("path"))
    waiting = JoinRequest.objects.filter(
        person_id=person.pk, organization_id=OuterRef("pk"), status=JoinRequest.Status.PENDING
    )
    kinds = [OrgType.COLLEGE, OrgType.REGIONAL, OrgType.INDUSTRY]
    orgs = list(
        Organization.objects.filter(match, is_active=True)
        .exclude(review_mode="invite_only")
        .exclude(Exists(belongs))
        .exclude(Exists(waiting))
        .select_related("college")
        .annotate(kind_rank=Case(*[When(type=kind, then=Value(i)) for i, kind in enumerate(kinds)]))
        .order_by("kind_rank", "path")[:limit]
    )
    counts = subtree_member_counts(orgs)
    city_label = cities[0] if cities else ""
    reasons = {
        OrgType.COLLEGE: lambda org: f"你的学院：{org.college.name}",
        OrgType.REGIONAL: lambda org: f"你所在城市：{city_label}",
        OrgType.INDUSTRY: lambda org: f"你的行业：{industry}",
    }
    return [Recommendation(org, reasons[org.type](org), counts.get(org.pk, 0)) for org in orgs]


# --- founding a club --------------------------------------------------------------------------------

CLUB_PARENT_TYPES = (OrgType.HEAD, OrgType.COLLEGE, OrgType.REGIONAL, OrgType.INDUSTRY)


def club_parent_choices(person) -> list[Organization]:
    """Where a new club of this person may sit: the head association or one of their chapters."""
    head = head_association()
    chapters = Organization.objects.filter(
        memberships__person_id=person.pk,
        is_active=True,
        type__in=CLUB_PARENT_TYPES,
        depth__gt=1,
    ).order_by("path")
    return [head, *chapters]


def club_applications_of(person) -> QuerySet[ClubApplication]:
    """The person's own applications to found a club, newest first."""
    return ClubApplication.objects.filter(applicant_id=person.pk).select_related("parent", "created_club")


def club_applications_pending() -> QuerySet[ClubApplication]:
    """Applications waiting for the head association, oldest first."""
    return (
        ClubApplication.objects.filter(status=ClubApplication.Status.PENDING)
        .select_related("applicant", "parent")
        .order_by("created_at", "pk")
    )


# --- recent activity ------------------------------------------------------------------------------


def org_activities(org: Organization, *, limit: int = 10) -> list[OrgActivity]:
    """The latest activity of the organization and its active subtree (one query)."""
    return list(
        OrgActivity.objects.filter(organization__path__startswith=org.path, organization__is_active=True)
        .select_related("organization")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- statistics and member lists for administrators (back office and the mobile admin) ------------

UNKNOWN = "未填写"
TREND_MONTHS = 12

_FIRST_JOINS_SQL = """
SELECT to_char(date_trunc('month', firsts.joined AT TIME ZONE %s), 'YYYY-MM'), COUNT(*)
FROM (
    SELECT m.person_id, MIN(m.joined_at) AS joined
    FROM network_membership m
    JOIN network_organization o ON o.id = m.organization_id
    WHERE o.path LIKE %s
    GROUP BY m.person_id
) firsts
GROUP BY 1
"""


@dataclass(frozen=True)
class OrgStatistics:
    """Numbers of one organization's subtree; every list holds (label, count) pairs."""

    members: int
    new_this_month: int
    trend: list[tuple[str, int]]
    by_role: list[tuple[str, int]]
    by_enrollment_year: list[tuple[str, int]]
    by_graduation_year: list[tuple[str, int]]
    by_college: list[tuple[str, int]]
    by_city: list[tuple[str, int]]
    pending_requests: int
    sub_organizations: list[tuple[str, int]]

    @property
    def sub_organization_total(self) -> int:
        return sum(n for _label, n in self.sub_organizations)


def _last_months(today, count: int) -> list[str]:
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _member_trend(org: Organization) -> tuple[int, int, list[tuple[str, int]]]:
    """(members, new this month, joins per month for the last 12 months).

    A person counts in the month they first joined anywhere in the subtree, so moving from one
    club to another of the same chapter is not a new member of the chapter."""
    with connection.cursor() as cursor:
        cursor.execute(_FIRST_JOINS_SQL, [settings.TIME_ZONE, f"{org.path}%"])
        per_month = dict(cursor.fetchall())
    months = _last_months(timezone.localdate(), TREND_MONTHS)
    trend = [(month, per_month.get(month, 0)) for month in months]
    return sum(per_month.values()), per_month.get(months[-1], 0), trend


def _subtree_person_ids(org: Organization) -> QuerySet:
    return Membership.objects.filter(organization__path__startswith=org.path).values("person_id")


def _degree_counts(org: Organization, field, *, order_by_label: bool) -> list[tuple[str, int]]:
    rows = (
        Degree.objects.filter(person_id__in=_subtree_person_ids(org))
        .order_by()
        .annotate(label=field)
        .values("label")
        .annotate(n=Count("person", distinct=True))
    )
    pairs = [(str(row["label"]) if row["label"] else UNKNOWN, row["n"]) for row in rows]
    if order_by_label:
        return sorted(pairs, key=lambda pair: (pair[0] == UNKNOWN, pair[0]))
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))


def org_statistics(org: Organization, *, city_limit: int = 20) -> OrgStatistics:
    """Everything the 统计 pages show for ``org`` and its subtree, in eight queries whatever its size."""
    members, new_this_month, trend = _member_trend(org)
    in_subtree = Membership.objects.filter(organization__path__startswith=org.path).order_by()
    roles = dict(
        in_subtree.values("role").annotate(n=Count("person", distinct=True)).values_list("role", "n")
    )
    cities = (
        Person.objects.filter(pk__in=_subtree_person_ids(org))
        .order_by()
        .values("city")
        .annotate(n=Count("pk"))
        .order_by("-n", "city")
    )
    subs = dict(
        Organization.objects.filter(path__startswith=org.path, depth__gt=org.depth, is_active=True)
        .order_by()
        .values("type")
        .annotate(n=Count("pk"))
        .values_list("type", "n")
    )
    return OrgStatistics(
        members=members,
        new_this_month=new_this_month,
        trend=trend,
        by_role=[(str(label), roles[value]) for value, label in Role.choices if roles.get(value)],
        by_enrollment_year=_degree_counts(org, F("enrollment_year"), order_by_label=True),
        by_graduation_year=_degree_counts(org, F("graduation_year"), order_by_label=True),
        by_college=_degree_counts(
            org,
            Coalesce(F("college__name"), NullIf(F("college_name_raw"), Value(""))),
            order_by_label=False,
        ),
        by_city=[(row["city"] or UNKNOWN, row["n"]) for row in cities[:city_limit]],
        pending_requests=JoinRequest.objects.filter(
            organization__path__startswith=org.path, status=JoinRequest.Status.PENDING
        ).count(),
        sub_organizations=[(str(label), subs[value]) for value, label in OrgType.choices if subs.get(value)],
    )


def bar_rows(pairs: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(label, count, width in percent of the largest count) for bars drawn in CSS."""
    peak = max([n for _label, n in pairs] + [1])
    return [(label, n, round(100 * n / peak)) for label, n in pairs]


MEMBER_SCOPES = {"direct": "本组织直属", "sub": "下级组织"}


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    role: str = ""
    scope: str = ""
    year: int | None = None

    @classmethod
    def from_params(cls, params) -> MemberFilters:
        year = (params.get("year") or "").strip()
        role = params.get("role", "")
        scope = params.get("scope", "")
        return cls(
            q=(params.get("q") or "").strip()[:40],
            role=role if role in Role.values else "",
            scope=scope if scope in MEMBER_SCOPES else "",
            year=int(year) if year.isdigit() and 1900 <= int(year) <= 2100 else None,
        )

    def as_dict(self) -> dict:
        return {"q": self.q, "role": self.role, "scope": self.scope, "year": self.year}


def subtree_memberships(org: Organization, filters: MemberFilters, *, phone_search: bool) -> QuerySet:
    """Memberships anywhere in ``org``'s subtree (a person in two clubs is two rows), filtered.

    ``q`` matches the name, and the phone number only when ``phone_search`` (whoever may see
    phones whole): matching a number the viewer cannot see would reveal it digit by digit."""
    rows = Membership.objects.filter(organization__path__startswith=org.path)
    if filters.scope == "direct":
        rows = rows.filter(organization=org)
    elif filters.scope == "sub":
        rows = rows.exclude(organization=org)
    if filters.role:
        rows = rows.filter(role=filters.role)
    if filters.q:
        condition = Q(person__name__icontains=filters.q)
        if phone_search:
            rows = rows.alias(
                phones_text=Func(
                    F("person__phones"), Value(","), function="array_to_string", output_field=CharField()
                )
            )
            condition |= Q(phones_text__contains=filters.q)
        rows = rows.filter(condition)
    if filters.year:
        rows = rows.filter(
            Exists(
                Degree.objects.filter(person_id=OuterRef("person_id")).filter(
                    Q(enrollment_year=filters.year) | Q(graduation_year=filters.year)
                )
            )
        )
    rank = Case(*[When(role=role, then=Value(i)) for i, role in enumerate(Role.values)])
    return (
        rows.select_related("person", "organization")
        .prefetch_related(
            Prefetch("person__degrees", queryset=Degree.objects.select_related("college", "major"))
        )
        .order_by("organization__path", rank, "joined_at", "pk")
    )


MEMBER_COLUMNS: list[tuple[str, str]] = [
    ("name", "姓名"),
    ("phone", "手机号"),
    ("organization", "所在组织"),
    ("role", "职务"),
    ("joined_at", "加入时间"),
    ("degrees", "学历"),
    ("city", "城市"),
]


def member_row(membership: Membership, *, full_pii: bool) -> dict:
    """One member as the list and the export show them.

    School admins see everything whole. A chapter officer shares the chapter with the member,
    so sees what the member opened to 同一校友组织: the phone masked, and nothing the member
    closed (a masked number still leaks the carrier and last digits)."""
    person = membership.person

    def visible(field: str) -> bool:
        return full_pii or person.visibility_of(field) in OPEN_TO_CHAPTERS

    phones = phones_display(person, full=full_pii) if visible("phone") else ""
    return {
        "name": person.name,
        "phone": phones,
        "organization": membership.organization.name,
        "role": str(Role(membership.role).label),
        "joined_at": timezone.localtime(membership.joined_at).strftime("%Y-%m-%d"),
        "degrees": degrees_display(person) if visible("degrees") else "",
        "city": person.city if visible("city") else "",
    }


def organizations_search(*, q: str = "", kind: str = "", city: str = "") -> QuerySet[Organization]:
    """Every organization (inactive too) filtered by name, type and city, in tree order."""
    orgs = Organization.objects.all()
    if q:
        orgs = orgs.filter(name__icontains=q)
    if kind in OrgType.values:
        orgs = orgs.filter(type=kind)
    if city:
        orgs = orgs.filter(Q(city__icontains=city) | Q(cities__contains=[city]))
    return orgs.order_by("path")


def parent_names(orgs: Iterable[Organization]) -> dict[str, str]:
    """{parent path: parent name} for a page of organizations, in one query."""
    step = Organization.steplen
    paths = {org.path[:-step] for org in orgs if org.depth > 1}
    return dict(Organization.objects.filter(path__in=paths).values_list("path", "name"))
