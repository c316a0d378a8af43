"""Personal data at rest and on screen: ID numbers encrypted with a lookup digest; masks for lists.

ID numbers are never stored in clear. ``pii_digest`` (HMAC-SHA256) finds and de-duplicates
records by ID number without decrypting; ``pii_encrypt`` (Fernet) keeps the value for the roles
allowed to see it whole. Both keys derive from ``settings.PII_KEY`` (by default SECRET_KEY), so a
database dump alone reveals no ID number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(purpose: bytes) -> bytes:
    secret = (getattr(settings, "PII_KEY", "") or settings.SECRET_KEY).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"alumni-cloud-pii", info=purpose).derive(secret)


@lru_cache(maxsize=4)
def _fernet(secret_marker: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"encrypt")))


@lru_cache(maxsize=4)
def _digest_key(secret_marker: str) -> bytes:
    return _derive(b"digest")


def _marker() -> str:
    # Cache keys follow the configured secret, so tests that change it get fresh keys.
    return hashlib.sha256((getattr(settings, "PII_KEY", "") or settings.SECRET_KEY).encode()).hexdigest()


def pii_digest(value: str) -> str:
    """A stable, keyed fingerprint of ``value`` for equality lookups ('' for empty)."""
    if not value:
        return ""
    return hmac.new(_digest_key(_marker()), value.encode(), hashlib.sha256).hexdigest()


def pii_encrypt(value: str) -> str:
    return _fernet(_marker()).encrypt(value.encode()).decode() if value else ""


def pii_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(_marker()).decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def mask_id_number(value: str) -> str:
    """110105********1234: region and last four, the rest hidden."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_email(value: str) -> str:
    """z***@example.com."""
    if not value or "@" not in value:
        return value and "***"
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"
