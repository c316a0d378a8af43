"""The messaging app's models, one module per area; Django finds them through these imports."""

from alumni.messaging.models.logs import Channel, MessageLog, Notice, SmsUsage, Unsubscribe

__all__ = ["Channel", "MessageLog", "Notice", "SmsUsage", "Unsubscribe"]
