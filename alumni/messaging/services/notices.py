"""Writes to a user's in-app notices: marking them read."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from alumni.messaging.models import Notice


@transaction.atomic
def notice_mark_read(*, user, notice_id: int) -> Notice | None:
    """Mark one of the user's notices read; another user's notice is left alone (None)."""
    notice = Notice.objects.select_for_update().filter(pk=notice_id, user_id=user.pk).first()
    if notice is not None and notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


@transaction.atomic
def notice_mark_all_read(*, user) -> int:
    """Mark all the user's unread notices read; returns how many changed."""
    return Notice.objects.filter(user_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())
