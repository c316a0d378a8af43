"""In-app notices: delivering is writing a Notice the alumnus reads under 我的消息."""

from __future__ import annotations

from alumni.messaging.channels.base import ChannelBackend
from alumni.messaging.models import Notice


class InAppChannel(ChannelBackend):
    channel = "inapp"
    missing_address = "没有校友账号"

    def address(self, recipient) -> str:
        return str(recipient.user_id) if recipient.user_id else ""

    def normalize(self, address: str) -> str:
        return address

    def deliver(self, log) -> str:
        first_line = next(iter((log.body or "").strip().splitlines()), "")
        title = log.subject or first_line[:60] or "新消息"
        notice, _created = Notice.objects.get_or_create(
            log=log,
            defaults={
                "user_id": log.user_id or int(log.address),
                "title": title[:200],
                "body": log.body,
                "url": (log.payload or {}).get("url", "")[:500],
                "purpose": log.purpose,
            },
        )
        return f"notice:{notice.pk}"
