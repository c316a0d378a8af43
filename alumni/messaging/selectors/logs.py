"""Reads of the send log (back office) and of a user's in-app notices (我的消息)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from alumni.messaging.models import MessageLog, Notice


def notices_for_user(user) -> QuerySet[Notice]:
    """The user's own notices, newest first (never anyone else's)."""
    if user is None or not user.is_authenticated:
        return Notice.objects.none()
    return Notice.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def notice_for_user(user, notice_id: int) -> Notice | None:
    """One of the user's notices, or None (another user's notice is treated as missing)."""
    return notices_for_user(user).filter(pk=notice_id).first()


def notice_unread_count(user) -> int:
    """How many of the user's notices are unread (the badge on 我的消息)."""
    return notices_for_user(user).filter(read_at__isnull=True).count()


def message_logs(
    *,
    channel: str = "",
    status: str = "",
    purpose: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    query: str = "",
) -> QuerySet[MessageLog]:
    """The send log, filtered as the back office asks (search by address or name)."""
    logs = MessageLog.objects.all()
    if channel:
        logs = logs.filter(channel=channel)
    if status:
        logs = logs.filter(status=status)
    if purpose:
        logs = logs.filter(purpose=purpose)
    if date_from:
        logs = logs.filter(created_at__date__gte=date_from)
    if date_to:
        logs = logs.filter(created_at__date__lte=date_to)
    if query:
        logs = logs.filter(Q(address__icontains=query) | Q(name__icontains=query))
    return logs.order_by("-created_at", "-id")


def message_log_purposes() -> list[str]:
    """The purposes that occur in the log (for the filter's choices)."""
    return list(MessageLog.objects.order_by("purpose").values_list("purpose", flat=True).distinct())


def log_for_key(channel: str, idempotency_key: str) -> MessageLog | None:
    """The log already written for this channel and idempotency key, if any."""
    return MessageLog.objects.filter(channel=channel, idempotency_key=idempotency_key).first()
