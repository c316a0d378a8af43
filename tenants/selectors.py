"""Platform reads for the landing page, the operator console and the CLI."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from tenants.fleet import rows_across_schemas
from tenants.models import Domain, OperatorLog, School
from tenants.validation import hostname_for_subdomain

# Postgres handles this many UNION arms in one statement comfortably (see tenants/fleet.py).


def school_list(*, query: str = "", status: str = "") -> QuerySet[School]:
    """Schools matching a search (name, short name, subdomain or any domain) and a status, newest first."""
    schools = School.objects.prefetch_related(
        Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "pk"))
    ).order_by("-created_at", "-pk")
    query = query.strip()
    if query:
        matching_domains = Domain.objects.filter(domain__icontains=query).values("tenant_id")
        schools = schools.filter(
            Q(name__icontains=query)
            | Q(short_name__icontains=query)
            | Q(subdomain__icontains=query.lower())
            | Q(pk__in=matching_domains)
        )
    if status in School.Status.values:
        schools = schools.filter(status=status)
    return schools


def school_status_counts() -> dict[str, int]:
    """How many schools are in each status, plus ``all``."""
    rows = School.objects.values("status").annotate(n=Count("pk"))
    counts = {value: 0 for value in School.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    counts["all"] = sum(counts.values())
    return counts


def primary_domain(school: School) -> Domain | None:
    """The school's primary domain, using prefetched domains when present (no query per row)."""
    domains = list(school.domains.all())
    primary = [domain for domain in domains if domain.is_primary]
    return (primary or domains or [None])[0]


def school_host(school: School) -> str:
    """The hostname a school answers on (primary domain, else the one its subdomain implies)."""
    domain = primary_domain(school)
    return domain.domain if domain else hostname_for_subdomain(school.subdomain)


def school_user_counts(schemas: list[str]) -> dict[str, int]:
    """Number of user accounts in each school's schema, read in one query for the whole fleet."""
    return dict(rows_across_schemas(schemas, "users_user", "count(*)"))


def operator_log_recent(*, limit: int = 100) -> list[OperatorLog]:
    return list(OperatorLog.objects.select_related("school")[:limit])


def school_operator_log(*, school: School, limit: int = 200) -> list[OperatorLog]:
    return list(OperatorLog.objects.filter(school=school)[:limit])


def demo_schools() -> list[School]:
    """Active demo schools a visitor of the landing page may look around in."""
    return list(
        School.objects.filter(is_demo=True, status=School.Status.ACTIVE)
        .prefetch_related(Prefetch("domains", queryset=Domain.objects.order_by("-is_primary", "pk")))
        .order_by("pk")[:6]
    )


def school_by_subdomain(subdomain: str) -> School | None:
    return School.objects.filter(subdomain=(subdomain or "").strip().lower()).first()
