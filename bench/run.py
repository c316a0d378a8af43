"""Run every benchmark (``bench/<name>.py``) or the one named: ``python bench/run.py [NAME]``.

Each prints its progress and, last, one ``BENCH <name> key=value ...`` line; this runner repeats
those lines at the end so a run's results can be compared with the previous one's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if not p.stem.startswith("_") and p.stem != "run")


def run(name: str) -> str | None:
    print(f"== {name}", flush=True)
    process = subprocess.Popen(
        [sys.executable, str(HERE / f"{name}.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    last = None
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("BENCH "):
            last = line.strip()
    return last if process.wait() == 0 else None


def main(argv: list[str]) -> int:
    names = available()
    wanted = [arg for arg in argv if arg]
    unknown = [name for name in wanted if name not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    results = {name: run(name) for name in (wanted or names)}
    print("== results")
    for name, line in results.items():
        print(line or f"BENCH {name} failed=1")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
