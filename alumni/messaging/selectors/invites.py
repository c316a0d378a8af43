"""Reads of invitations: by secret (hash lookup), lists with status filters, counts."""

from __future__ import annotations

import hashlib

from django.db.models import Q, QuerySet
from django.utils import timezone

from alumni.messaging.models import Invitation, InvitationStatus


def invite_token_hash(secret: str) -> str:
    """The stored form of a link's secret (SHA-256 hex); the secret itself is never stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def invite_by_secret(secret: str) -> Invitation | None:
    """The invitation a link's secret opens, in any state, or None (unknown in this school)."""
    if not secret or len(secret) > 100:
        return None
    return (
        Invitation.objects.select_related("created_by", "used_by")
        .filter(token_hash=invite_token_hash(secret))
        .first()
    )


def invite_status_q(status: str) -> Q:
    """A filter for one InvitationStatus value, evaluated in the database at this moment."""
    now = timezone.now()
    return {
        InvitationStatus.USED: Q(used_at__isnull=False),
        InvitationStatus.REVOKED: Q(revoked_at__isnull=False),
        InvitationStatus.EXPIRED: Q(used_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now),
        InvitationStatus.PENDING: Q(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now),
    }[InvitationStatus(status)]


def invites_filtered(*, status: str = "", purpose: str = "", query: str = "") -> QuerySet[Invitation]:
    """Invitations for the back-office list, newest first."""
    invites = Invitation.objects.select_related("created_by", "used_by")
    if status in InvitationStatus.values:
        invites = invites.filter(invite_status_q(status))
    if purpose:
        invites = invites.filter(purpose=purpose)
    if query:
        invites = invites.filter(Q(name__icontains=query) | Q(address__icontains=query))
    return invites


def invite_status_counts() -> dict[str, int]:
    """How many invitations are in each status (for the filter tabs)."""
    return {
        status: Invitation.objects.filter(invite_status_q(status)).count()
        for status in InvitationStatus.values
    }
