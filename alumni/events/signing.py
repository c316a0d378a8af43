"""Ed25519-signed ticket payloads: short enough for a QR code, verifiable offline (no DB).

A payload is ``T1.<event public id>.<ticket code>.<version>.<valid until>.<signature>``; the
signature (base64url, 86 characters) covers everything before the last dot. Event public ids are
``token_urlsafe`` strings (``-``/``_``, never ``.``) and ticket codes are hex, so splitting on dots
is unambiguous. The version lets a changed ticket (new seat, new holder) revoke its older QR codes
without a list of every old payload; ``valid_until`` (Unix seconds) bounds a leaked code's life.

Each event has its own key pair so one event's leaked key forges nothing elsewhere; the private
half is stored sealed with the school's PII key (alumni.core.pii), the public half goes to
offline scanners, which verify with WebCrypto in the browser exactly as ``ticket_verify`` does.
"""

from __future__ import annotations

import base64
import binascii
import time
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from alumni.core.pii import pii_decrypt, pii_encrypt
from alumni.events.errors import InvalidTicket

PREFIX = "T1"
MAX_PAYLOAD = 200  # a real payload is ~130 characters; refuse anything far larger before parsing


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_keypair() -> tuple[str, str]:
    """A fresh event key pair: (sealed private key, public key as standard base64 of 32 bytes)."""
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return pii_encrypt(base64.b64encode(raw_private).decode()), base64.b64encode(raw_public).decode()


@lru_cache(maxsize=256)
def _private_key(private_sealed: str) -> Ed25519PrivateKey:
    raw = pii_decrypt(private_sealed)
    if not raw:
        raise ValueError("the event's signing key cannot be unsealed (PII_KEY changed?)")
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw))


@lru_cache(maxsize=256)
def _public_key(public_b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64))


def ticket_payload(
    *, private_sealed: str, event_public_id: str, ticket_code: str, version: int, valid_until: int
) -> str:
    """The compact signed string a ticket's QR code carries."""
    message = f"{PREFIX}.{event_public_id}.{ticket_code}.{int(version)}.{int(valid_until)}"
    signature = _private_key(private_sealed).sign(message.encode())
    return f"{message}.{_b64url(signature)}"


def payload_event(payload: str) -> str:
    """The event a payload names, unverified: lets a gate say "another event's ticket" rather than
    "invalid" (it admits nobody either way)."""
    parts = (payload or "").strip().split(".")
    return parts[1] if len(parts) == 6 and parts[0] == PREFIX else ""


def ticket_verify(payload: str, *, public_b64: str, now: float | None = None) -> dict:
    """Check the signature and the valid window; returns event, code, version and valid_until."""
    payload = (payload or "").strip()
    if not payload or len(payload) > MAX_PAYLOAD:
        raise InvalidTicket()
    message, _, signature = payload.rpartition(".")
    parts = message.split(".")
    if len(parts) != 5 or parts[0] != PREFIX or not parts[3].isdigit() or not parts[4].isdigit():
        raise InvalidTicket()
    try:
        _public_key(public_b64).verify(_unb64url(signature), message.encode())
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise InvalidTicket() from exc
    valid_until = int(parts[4])
    if valid_until < (time.time() if now is None else now):
        raise InvalidTicket("票码已过期", code="ticket_expired")
    return {"event": parts[1], "code": parts[2], "version": int(parts[3]), "valid_until": valid_until}


# Scanner sessions: the scanner page (opened by someone allowed to check in) gets a signed token
# bound to the user, the event and the school, so each scan needs neither a session nor a
# permission lookup. It lasts one long event day; losing check-in rights takes effect on expiry.
SCANNER_TOKEN_MAX_AGE = 16 * 3600
_SCANNER_SALT = "alumni.events.scanner"


def scanner_token(*, user_id: int, event_id: int, schema: str) -> str:
    """A signed, expiring credential for one staff member scanning one event."""
    from django.core import signing

    return signing.dumps({"u": user_id, "e": event_id, "s": schema}, salt=_SCANNER_SALT, compress=False)


def scanner_token_read(token: str, *, schema: str) -> dict | None:
    """The token's {"u": user id, "e": event id} if it is genuine, unexpired and for this school."""
    from django.core import signing

    try:
        data = signing.loads(token, salt=_SCANNER_SALT, max_age=SCANNER_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != schema:
        return None
    return data
