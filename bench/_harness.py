"""Run a benchmark in its own throw-away database, never in the dev database.

A bench script calls ``main(name, body)``. Run directly, it is the *driver*: it creates
``alumni_bench_<name>`` on the same server the project uses (``DATABASE_URL``, else the embedded
one in ``.pgdata``), migrates it with our ``migrate`` command, runs itself again with
``DATABASE_URL`` pointing at that database (the *body*, with Django set up), drops the database,
and repeats the body's ``BENCH …`` line as its own last line.

The body uses ``saas.settings.base``: production-like (no DEBUG query log, the real password
hasher) without prod's deployment requirements.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
BODY_FLAG = "--body"
SETTINGS = "saas.settings.base"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def server_url() -> str:
    """The DSN the project would use (same logic as settings), pointing at its default database."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from saas.embedded_db import embedded_database_url

    return embedded_database_url(Path(os.environ.get("PGSERVER_DATA_DIR", str(ROOT / ".pgdata"))))


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _admin_execute(url: str, *statements: str) -> None:
    import psycopg

    from saas.settings.env import database_from_url

    db = database_from_url(url)
    params = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"]}
    if db["PORT"]:
        params["port"] = db["PORT"]
    with psycopg.connect(autocommit=True, **params) as conn:
        for statement in statements:
            conn.execute(statement)


def _run(command: list[str], env: dict[str, str]) -> str:
    """Run a step, echoing its output as it comes; returns the output."""
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        print(line, end="", flush=True)
    if process.wait() != 0:
        raise SystemExit(f"step failed ({process.returncode}): {' '.join(command)}")
    return "".join(lines)


def drive(name: str, script: Path, extra_args: list[str]) -> None:
    base = server_url()
    database = f"alumni_bench_{name}"
    # Quoted identifier from a fixed prefix and the bench's own file name.
    _admin_execute(
        base, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"'
    )
    env = {**os.environ, "DATABASE_URL": with_database(base, database), "DJANGO_SETTINGS_MODULE": SETTINGS}
    env.pop("REDIS_URL", None)  # tasks run eagerly, caches in memory: measure the database work only
    try:
        started = time.perf_counter()
        _run([sys.executable, "manage.py", "migrate", "-v", "0"], env)
        print(f"[{name}] database {database} created and migrated in {time.perf_counter() - started:.1f}s")
        output = _run([sys.executable, str(script), BODY_FLAG, *extra_args], env)
    finally:
        _admin_execute(base, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        print(f"[{name}] database {database} dropped")
    bench_lines = [line for line in output.splitlines() if line.startswith("BENCH ")]
    if not bench_lines:
        raise SystemExit(f"[{name}] printed no BENCH line")
    print(bench_lines[-1], flush=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def main(name: str, body: Callable[[list[str]], str]) -> None:
    """Entry point of a bench script: drive, or (in the child) run the body and print its BENCH line."""
    args = sys.argv[1:]
    if args[:1] == [BODY_FLAG]:
        setup_django()
        print(body(args[1:]), flush=True)
    else:
        drive(name, Path(sys.argv[0]).resolve(), args)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
