"""Phone-number normalisation shared by login, registration and imports."""

from __future__ import annotations

import re
import unicodedata

_MAINLAND = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str | None:
    """Return an 11-digit mainland mobile number, or None when ``raw`` is not one.

    Accepts full-width digits, spaces and dashes, and a +86 / 0086 prefix.
    """
    if not raw:
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if _MAINLAND.match(digits) else None
