"""Recipients for message_send, from alumni records and accounts.

A person's first phone and e-mail are their main ones (people keeps them ordered); the account
linked to the person (AccountLink) gives the in-app channel and the WeChat bindings, matched to
the school's *current* official account and mini-program AppIDs.
"""

from __future__ import annotations

from alumni.accounts.models import WeChatIdentity, WeChatSettings
from alumni.messaging.message import Recipient
from alumni.people.models import AccountLink


def _openids(user_id: int | None) -> tuple[str, str]:
    if not user_id:
        return "", ""
    config = WeChatSettings.base_queryset().first()
    if config is None:
        return "", ""
    found = dict(
        WeChatIdentity.objects.filter(
            user_id=user_id, app_id__in=[a for a in (config.official_app_id, config.miniprogram_app_id) if a]
        ).values_list("app_id", "openid")
    )
    return found.get(config.official_app_id, ""), found.get(config.miniprogram_app_id, "")


def _first(values) -> str:
    return next((v for v in (values or []) if v), "")


def recipient_for_person(person) -> Recipient:
    """Everything message_send needs to reach this person (record first, then their account)."""
    link = AccountLink.objects.filter(person_id=person.pk).select_related("user").order_by("pk").first()
    user = link.user if link and link.user.is_active else None
    official, mini = _openids(user.pk if user else None)
    return Recipient(
        name=person.name,
        email=_first(person.emails) or (user.email if user else "") or "",
        phone=_first(person.phones) or (user.phone if user else "") or "",
        user_id=user.pk if user else None,
        person_id=person.pk,
        wechat_openid=official,
        miniprogram_openid=mini,
    )


def recipient_for_user(user) -> Recipient:
    """Everything message_send needs to reach this account (its own contacts, then its record)."""
    link = AccountLink.objects.filter(user_id=user.pk).select_related("person").first()
    person = link.person if link else None
    official, mini = _openids(user.pk)
    return Recipient(
        name=user.name or (person.name if person else "") or user.get_username(),
        email=user.email or (_first(person.emails) if person else "") or "",
        phone=user.phone or (_first(person.phones) if person else "") or "",
        user_id=user.pk,
        person_id=person.pk if person else None,
        wechat_openid=official,
        miniprogram_openid=mini,
    )
