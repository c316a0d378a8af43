"""Reads of registration claims: which record an account is, what a claim matches, the review queue.

Matching (used by ``services.claims.claim_submit``) looks only at active official or verified
records (never merged ones, never self-reported pending ones):

- method ``student_number``: same name and a degree with that student number (case and spaces
  ignored);
- method ``profile``: same name, a degree that started in that enrollment year at that college
  (the college given by id, by today's name or by a former name; a degree whose college could not
  be mapped matches on its raw imported name), and the same birth date — compared to the precision
  the record knows (a record that only says 1985年12月 matches any day of that month).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from alumni.people.choices import DatePrecision, Verification
from alumni.people.models import AccountLink, Claim, College, CollegeAlias, Person

# How many same-name records the review screen suggests when nothing matched exactly.
SUGGESTION_LIMIT = 10


def person_for_user(user) -> Person | None:
    """The record an account is linked to (None for anonymous or unlinked accounts)."""
    if user is None or not user.is_authenticated:
        return None
    link = AccountLink.objects.select_related("person").filter(user=user).first()
    return link.person if link else None


def verified_person_for_user(user) -> Person | None:
    """The account's record if it is a verified, active one: the key to the directory."""
    person = person_for_user(user)
    if person is None or person.verification != Verification.VERIFIED or person.merged_into_id:
        return None
    return person


def claim_latest(user) -> Claim | None:
    """The account's most recent claim (pending, approved or rejected)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Claim.objects.select_related("college", "person")
        .filter(user=user)
        .order_by("-created_at", "-id")
        .first()
    )


def claims_pending() -> QuerySet[Claim]:
    """The review queue, oldest first (first come, first served)."""
    return (
        Claim.objects.filter(status=Claim.Status.PENDING)
        .select_related("user", "college")
        .order_by("created_at", "id")
    )


def claims_pending_count() -> int:
    return Claim.objects.filter(status=Claim.Status.PENDING).count()


def college_resolve(name: str) -> College | None:
    """A college by today's name or any former name (exact, surrounding spaces ignored)."""
    name = (name or "").strip()
    if not name:
        return None
    college = College.objects.filter(name=name).first()
    if college is None:
        alias = CollegeAlias.objects.select_related("college").filter(name=name).first()
        college = alias.college if alias else None
    return college


def college_names(college: College) -> list[str]:
    """Today's name and every former name of a college."""
    return [college.name, *college.aliases.values_list("name", flat=True)]


def _claimable() -> QuerySet[Person]:
    return Person.objects.filter(
        merged_into__isnull=True, verification__in=[Verification.OFFICIAL, Verification.VERIFIED]
    )


def _birth_date_q(birth_date: date) -> Q:
    return (
        Q(birth_date_precision=DatePrecision.DAY, birth_date=birth_date)
        | Q(
            birth_date_precision=DatePrecision.MONTH,
            birth_date__year=birth_date.year,
            birth_date__month=birth_date.month,
        )
        | Q(birth_date_precision=DatePrecision.YEAR, birth_date__year=birth_date.year)
    )


def claim_matches(
    *,
    method: str,
    name: str,
    student_number: str = "",
    enrollment_year: int | None = None,
    college: College | None = None,
    college_name: str = "",
    birth_date: date | None = None,
) -> list[Person]:
    """Every claimable record the given data identifies (see the module docstring)."""
    name = (name or "").strip()
    people = _claimable().filter(name=name)
    if method == Claim.Method.STUDENT_NUMBER:
        number = "".join((student_number or "").split())
        if not number:
            return []
        people = people.filter(degrees__student_number__iexact=number)
    elif method == Claim.Method.PROFILE:
        if not (enrollment_year and birth_date and (college or college_name)):
            return []
        degree_q = Q(degrees__enrollment_year=enrollment_year)
        if college is not None:
            college_q = Q(degrees__college=college) | Q(
                degrees__college__isnull=True, degrees__college_name_raw__in=college_names(college)
            )
        else:
            college_q = Q(degrees__college__isnull=True, degrees__college_name_raw=college_name.strip())
        people = people.filter(degree_q & college_q).filter(_birth_date_q(birth_date))
    else:
        return []
    return list(people.distinct().order_by("id"))


def claim_candidates(claim: Claim) -> list[Person]:
    """Records an admin should consider for a claim: the exact matches found when it was
    submitted (still active), else same-name records as suggestions."""
    ids = [int(pk) for pk in claim.candidates or []]
    base = Person.objects.filter(merged_into__isnull=True).prefetch_related("degrees__college", "accounts")
    if ids:
        found = {p.pk: p for p in base.filter(pk__in=ids)}
        people = [found[pk] for pk in ids if pk in found]
        if people:
            return people
    return list(base.filter(name=claim.name.strip()).order_by("id")[:SUGGESTION_LIMIT])


def claim_college_label(claim: Claim) -> str:
    """The college the alumnus named: the catalog entry, or the text they typed."""
    if claim.college_id:
        return claim.college.name
    return (claim.details or {}).get("college_name", "")


__all__ = [
    "claim_candidates",
    "claim_college_label",
    "claim_latest",
    "claim_matches",
    "claims_pending",
    "claims_pending_count",
    "college_names",
    "college_resolve",
    "person_for_user",
    "verified_person_for_user",
]
