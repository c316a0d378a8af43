#!/usr/bin/env python3
"""Re-run an Alumni Cloud lottery draw from its published data (Python 3.8+, standard library only).

Usage:
    python3 lottery_verify.py --seed SEED --list eligible.txt --name "一等奖" --count 3 \
        [--seed-hash HASH] [--digest DIGEST]

eligible.txt holds the eligible draw numbers (抽奖号), one per line (the verification page's
"下载参与名单"). Prints one winner per line, rank first: "1 10342". Exit status 1 when
the seed does not match the hash published before the draw, or the list does not match the
published digest.

The algorithm (identical to alumni/events/draws.py):
  pool = sorted(set(lines))            # as strings: "10" sorts before "9"
  for i in 0 .. min(count, len(pool)) - 1:
      r = int(HMAC-SHA256(key=seed, msg=f"{name}|{i}"), big-endian)
      j = i + r % (len(pool) - i)
      swap pool[i], pool[j]
  winners = pool[:count]
"""

import argparse
import hashlib
import hmac
import sys


def draw_winners(seed, entries, name, count):
    pool = sorted(set(entries))
    key = seed.encode("ascii")
    for i in range(min(count, len(pool))):
        mac = hmac.new(key, f"{name}|{i}".encode(), hashlib.sha256).digest()
        j = i + int.from_bytes(mac, "big") % (len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[: min(count, len(pool))]


def list_digest(entries):
    digest = hashlib.sha256()
    for entry in sorted(set(entries)):
        digest.update(entry.encode("utf-8") + b"\n")
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify an Alumni Cloud lottery draw.")
    parser.add_argument("--seed", required=True, help="the seed revealed after the draw")
    parser.add_argument("--list", required=True, help="file with one eligible draw number per line")
    parser.add_argument("--name", required=True, help="the round's name exactly as published")
    parser.add_argument("--count", required=True, type=int, help="number of winners")
    parser.add_argument("--seed-hash", help="the SHA-256 published before the draw")
    parser.add_argument("--digest", help="the published SHA-256 of the eligible list")
    args = parser.parse_args(argv)

    with open(args.list, encoding="utf-8") as handle:
        entries = [line.strip() for line in handle if line.strip()]
    ok = True
    if args.seed_hash is not None:
        actual = hashlib.sha256(args.seed.encode("ascii")).hexdigest()
        if not hmac.compare_digest(actual, args.seed_hash.lower()):
            print("seed does NOT match the published hash", file=sys.stderr)
            ok = False
    if args.digest is not None and list_digest(entries) != args.digest.lower():
        print("eligible list does NOT match the published digest", file=sys.stderr)
        ok = False
    for rank, entry in enumerate(draw_winners(args.seed, entries, args.name, args.count), start=1):
        print(rank, entry)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
