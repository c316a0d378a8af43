"""Provider credentials at rest: Fernet with a key derived from SECRET_KEY for this purpose only.

A database dump alone does not reveal a school's Stripe key or WeChat Pay API key.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"alumni-cloud payments credentials"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(value.encode()).decode() if value else ""


def unseal(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        # Rotated SECRET_KEY: the credential must be entered again; never crash a payment page.
        return ""
