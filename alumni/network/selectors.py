"""Reads of the alumni network: the head association, subtrees, roll-up member counts, and an
alumnus's own organizations.

Roll-up rule: a member of a sub-organization counts for every ancestor, once (DISTINCT persons
over the subtree), so a person in two clubs of one chapter is one member of the chapter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Q, QuerySet, Value, When

from alumni.network.models import JoinRequest, Membership, Organization, OrgType, Role
from alumni.people.models import Person

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
