"""The lottery's deterministic draw and its published checks (pure: no Django, no database).

Commit–reveal: when a round is created the server picks a secret ``seed`` (64 lowercase hex
characters) and publishes ``seed_hash = SHA-256(seed as ASCII)``. The draw itself is

    winners = draw_winners(seed, eligible entries, draw name, count)

An entry is an eligible ticket's draw number (抽奖号): its id in decimal. Not its ticket code:
the list is published, and a code typed at a gate admits, an id does not.

1. ``pool`` = the entries, de-duplicated and sorted as strings (Python's code-point order, so
   "10" sorts before "9"; the verifiers do the same).
2. For ``i = 0 … min(count, len(pool)) - 1``:
   ``r_i = int(HMAC-SHA256(key=seed as ASCII, message=f"{draw name}|{i}" as UTF-8), big-endian)``
   ``j = i + r_i mod (len(pool) - i)``; swap ``pool[i]`` and ``pool[j]``
   (a Fisher–Yates shuffle stopped after ``count`` steps).
3. ``winners = pool[:count]``, in drawing order (rank 1 first).

``r_i`` has 256 bits, so the modulo bias is below 2⁻²³⁸ for any realistic list. After the draw the
seed is revealed; anyone holding the eligible list (its digest is ``eligible_digest``) re-runs the
same steps — docs/lottery_verify.py does so with the standard library only, and the public
verification page does so in the browser.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

SEED_PATTERN = re.compile(r"^[0-9a-f]{64}$")


def seed_hash(seed: str) -> str:
    """The commitment published before the draw."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def sorted_entries(entries: Iterable[str]) -> list[str]:
    return sorted(set(entries))


def eligible_digest(entries: Iterable[str]) -> str:
    """SHA-256 of the sorted list, one entry per line, each line ending in a newline."""
    digest = hashlib.sha256()
    for entry in sorted_entries(entries):
        digest.update(entry.encode("utf-8") + b"\n")
    return digest.hexdigest()


def draw_winners(seed: str, entries: Iterable[str], draw_name: str, count: int) -> list[str]:
    """The winning entries, rank 1 first (see the module docstring for the exact steps)."""
    pool = sorted_entries(entries)
    key = seed.encode("ascii")
    size = len(pool)
    for i in range(min(count, size)):
        mac = hmac.new(key, f"{draw_name}|{i}".encode(), hashlib.sha256).digest()
        j = i + int.from_bytes(mac, "big") % (size - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[: min(count, size)]


def draw_verify(
    *, seed: str, published_hash: str, entries: Iterable[str], draw_name: str, count: int, winners: list[str]
) -> bool:
    """True when the revealed seed matches its commitment and reproduces the published winners."""
    if not hmac.compare_digest(seed_hash(seed), published_hash):
        return False
    return draw_winners(seed, entries, draw_name, count) == list(winners)
