"""Who administers which part of the tree.

An officer (president, vice-president, secretary-general or admin) of an organization manages
it and its whole subtree, never a sibling or an ancestor. School admins manage everything.
Accounts act through the alumni record they are linked to (people.AccountLink).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from alumni.core.permissions import is_alumnus, is_school_admin
from alumni.network.models import OFFICER_ROLES, Membership, Organization, Role
from alumni.network.selectors import ancestor_paths
from alumni.people.selectors.claims import person_for_user


def person_of(user):
    """The alumni record of an account (cached on the user object for the request)."""
    if not is_alumnus(user):
        return None
    if not hasattr(user, "_network_person"):
        user._network_person = person_for_user(user)
    return user._network_person


def _officer_paths(user) -> list[str]:
    person = person_of(user)
    if person is None:
        return []
    return list(
        Membership.objects.filter(person=person, role__in=OFFICER_ROLES, organization__is_active=True)
        .values_list("organization__path", flat=True)
        .distinct()
    )


def managed_organizations(user) -> QuerySet[Organization]:
    """Every organization the user administers (officer roles cover the whole subtree)."""
    if is_school_admin(user):
        return Organization.objects.all()
    paths = _officer_paths(user)
    if not paths:
        return Organization.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Organization.objects.filter(condition)


def can_manage(user, org: Organization) -> bool:
    """Members, join requests, groups, sub-organizations and roles of ``org``."""
    if is_school_admin(user):
        return True
    person = person_of(user)
    if person is None:
        return False
    return Membership.objects.filter(
        person=person,
        role__in=OFFICER_ROLES,
        organization__path__in=ancestor_paths(org),
        organization__is_active=True,
    ).exists()


def can_manage_above(user, org: Organization) -> bool:
    """Decisions about ``org``'s presidency: school admins and officers of a strict ancestor."""
    if is_school_admin(user):
        return True
    person = person_of(user)
    if person is None:
        return False
    return Membership.objects.filter(
        person=person,
        role__in=OFFICER_ROLES,
        organization__path__in=ancestor_paths(org)[:-1],
        organization__is_active=True,
    ).exists()


def is_president(user, org: Organization) -> bool:
    person = person_of(user)
    return bool(
        person and Membership.objects.filter(person=person, organization=org, role=Role.PRESIDENT).exists()
    )
