"""Opaque signed tokens for the open pixel and the unsubscribe link of one campaign recipient.

The token signs the recipient row's id with a salt that names the school's schema: never an
e-mail address in a URL, and a token minted at one school fails the signature at another.
"""

from __future__ import annotations

from django.core import signing
from django.db import connection

KINDS = ("open", "unsub")


def _salt(kind: str) -> str:
    return f"messaging.campaign.{kind}:{connection.schema_name}"


def recipient_token(kind: str, recipient_id: int) -> str:
    """A URL-safe token for this school's recipient row."""
    return signing.dumps(recipient_id, salt=_salt(kind), compress=False)


def recipient_id_from(kind: str, token: str) -> int | None:
    """The recipient id, or None for a forged token or one from another school."""
    try:
        value = signing.loads(token, salt=_salt(kind))
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
