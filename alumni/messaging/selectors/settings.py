"""Reads of the school's messaging settings."""

from __future__ import annotations

from alumni.messaging.models import MessagingSettings

AUDITED_FIELDS = [
    field.name
    for field in MessagingSettings._meta.get_fields()
    if getattr(field, "concrete", False) and field.name != "id"
]


def messaging_settings_values(instance: MessagingSettings) -> dict:
    """The stored values (for change detection; the secret is masked before anything shows it)."""
    return {name: getattr(instance, name) for name in AUDITED_FIELDS}
