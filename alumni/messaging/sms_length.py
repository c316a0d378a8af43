"""How Chinese SMS gateways bill a text: 70 characters fit one SMS; a longer text is sent as a
long SMS of 67-character parts (each part carries a 3-character header), each part billed.

Aliyun and Tencent Cloud count every character the same (Chinese, Latin, digits, punctuation,
the 【signature】 included); a character outside the Basic Multilingual Plane (most emoji) takes
two UTF-16 units on the air and is counted as two.
"""

from __future__ import annotations

SINGLE_LIMIT = 70
PART_LIMIT = 67


def sms_length(text: str) -> int:
    """Characters as the gateway counts them (UTF-16 code units)."""
    return len((text or "").encode("utf-16-le")) // 2


def sms_segments(text: str) -> int:
    """Billed SMS for one text: 0 for empty, 1 up to 70 characters, else ceil(n / 67)."""
    length = sms_length(text)
    if length == 0:
        return 0
    if length <= SINGLE_LIMIT:
        return 1
    return -(-length // PART_LIMIT)


def with_signature(signature: str, text: str) -> str:
    """The text as recipients see it: 【签名】 first (the gateway adds it, and bills it)."""
    signature = (signature or "").strip().strip("【】[]")
    return f"【{signature}】{text}" if signature else text
