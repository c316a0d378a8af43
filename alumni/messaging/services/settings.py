"""Writes around the messaging settings page (the page itself saves through Wagtail's form)."""

from __future__ import annotations

from alumni.core.services import audit_record
from alumni.messaging.selectors.settings import messaging_settings_values
from alumni.messaging.setting_forms import SECRET_FIELD, mask_secret


def _masked(values: dict) -> dict:
    return {key: mask_secret(value) if key == SECRET_FIELD else value for key, value in values.items()}


def messaging_settings_audit(*, actor, before: dict, instance, ip_address: str | None = None) -> None:
    """Log an admin's change to the messaging settings (the secret masked in the log)."""
    after = messaging_settings_values(instance)
    if before == after:
        return
    changed = sorted(key for key in after if before.get(key) != after[key])
    audit_record(
        actor=actor,
        action="messaging_settings.edit",
        target=instance,
        summary="修改消息设置：" + "、".join(str(instance._meta.get_field(k).verbose_name) for k in changed),
        before=_masked(before),
        after=_masked(after),
        ip_address=ip_address,
    )
