"""Signed, short-lived values: the mini-program's bind ticket and the OAuth ``state``.

Both carry the school's schema name, so a value minted at one school is useless at another
(WeChat identity ids repeat across schemas).
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from alumni.accounts.errors import BindTicketInvalid

BIND_TICKET_SALT = "alumni.accounts.wechat.bind-ticket"
BIND_TICKET_MAX_AGE = 10 * 60
OAUTH_STATE_SALT = "alumni.accounts.wechat.oauth-state"


def bind_ticket_make(*, identity_id: int, schema: str) -> str:
    return signing.dumps({"i": identity_id, "s": schema}, salt=BIND_TICKET_SALT, compress=True)


def bind_ticket_read(ticket: str, *, schema: str) -> int:
    """Return the WeChat identity id in a valid ticket minted at this school, or raise."""
    try:
        payload = signing.loads(ticket, salt=BIND_TICKET_SALT, max_age=BIND_TICKET_MAX_AGE)
    except signing.BadSignature as exc:  # includes SignatureExpired
        raise BindTicketInvalid() from exc
    if not isinstance(payload, dict) or payload.get("s") != schema or not isinstance(payload.get("i"), int):
        raise BindTicketInvalid()
    return payload["i"]


def oauth_nonce() -> str:
    return secrets.token_hex(8)


def oauth_state_make(*, nonce: str, schema: str, next_url: str) -> str:
    """``nonce`` + an HMAC over (nonce, school, next).

    WeChat accepts at most 128 characters of ``[a-zA-Z0-9]`` in ``state``, so ``next`` itself
    stays in the session next to the nonce and the state only signs it.
    """
    mac = salted_hmac(OAUTH_STATE_SALT, f"{nonce}|{schema}|{next_url}", algorithm="sha256").hexdigest()
    return f"{nonce}{mac[:32]}"


def oauth_state_valid(state: str, *, nonce: str, schema: str, next_url: str) -> bool:
    if not state or not nonce:
        return False
    return constant_time_compare(state, oauth_state_make(nonce=nonce, schema=schema, next_url=next_url))
