"""The migrate command on a fleet of 200 schools when nothing is pending.

Creates the schools by cloning the template (``school_create``, no admin: only the schemas
matter here), then times ``python manage.py migrate`` as an operator runs it (a new process:
Django start-up included) and the same command in-process (the work alone). Stock
django-tenants runs every schema's migrate in turn (users report 12 minutes for 900 schemas);
ours reads every schema's ``django_migrations`` in a few UNION ALL queries and skips the
schools that are up to date. Goal: noop_s <= 15.

    python bench/migrate_fleet.py [SCHOOLS]   # or: make bench NAME=migrate_fleet
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

from _harness import ROOT, main, median

SCHOOLS = 200


def body(args: list[str]) -> str:
    from django.core.management import call_command

    from tenants.services import school_create

    count = int(args[0]) if args else SCHOOLS
    first20 = 0.0
    started = time.perf_counter()
    for i in range(count):
        school_create(name=f"舰队大学{i:03d}", short_name=f"舰队{i:03d}", subdomain=f"fleet-{i:03d}")
        if (i + 1) % 20 == 0 or i + 1 == count:
            elapsed = time.perf_counter() - started
            if i + 1 == 20:
                first20 = elapsed / 20
            print(
                f"  created {i + 1}/{count} schools ({elapsed:.1f}s, {elapsed / (i + 1):.3f}s each)",
                flush=True,
            )

    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate"], cwd=ROOT, env=os.environ, capture_output=True, text=True
    )
    noop_s = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    print(f"  manage.py migrate (new process): {noop_s:.2f}s: {result.stdout.strip().splitlines()[-1]}")

    started = time.perf_counter()
    output = io.StringIO()
    call_command("migrate", stdout=output)
    inproc_s = time.perf_counter() - started
    print(f"  migrate in-process: {inproc_s:.2f}s: {output.getvalue().strip().splitlines()[-1]}")

    # Does creating a school get slower as the catalog grows (count x ~60 tables)?
    late = []
    for i in range(3):
        started = time.perf_counter()
        school_create(name=f"舰队后来大学{i}", short_name=f"后来{i}", subdomain=f"fleet-late-{i}")
        late.append(time.perf_counter() - started)
    print(f"  school_create with {count} schools present: {', '.join(f'{t:.3f}s' for t in late)}")
    return (
        f"BENCH migrate_fleet schools={count} noop_s={noop_s:.2f} inprocess_s={inproc_s:.2f}"
        f" create_first20_s={first20:.3f} create_at_fleet_s={median(late):.3f}"
    )


if __name__ == "__main__":
    main("migrate_fleet", body)
