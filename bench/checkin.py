"""Check-in: 10,000 tickets scanned by 16 concurrent gates through the running app's HTTP API,
against pgbench on the same PostgreSQL in the same run.

Creates a school, one event with 16 gates and N confirmed tickets (rows written in bulk: the
bench measures scanning, not registration), signs every ticket's QR payload, then starts the app
the way production serves it — gunicorn with the Docker image's worker count (deploy/Dockerfile)
over saas.wsgi — and 16 client threads (one per gate, one keep-alive connection each) POST every
ticket's payload once plus 10% re-scans of already-scanned tickets at another gate to
``/api/v1/events/<id>/checkin/scan/`` with a scanner token, shuffled.

Then pgbench (the server's own binary next to the embedded postgres, else the system's) runs
the built-in ``simple-update`` script with 16 clients for 10 s in a scratch database on the same
server: ``pgbench_tps``; a one-statement single-row UPDATE script gives ``pgbench_single_tps``.

double_entries = tickets admitted by more than one scan + admitted scans beyond one per ticket.
Also checked: every ticket admitted (missing), every answer 200 (errors), every re-scan answered
"already".

    python bench/checkin.py [--tickets N] [--clients C] [--workers W]   # or: make bench NAME=checkin

Goal: ratio = per_s / pgbench_tps >= 0.25 with double_entries=0, missing=0, errors=0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _harness import _admin_execute, main, server_url, with_database  # noqa: E402

PASSWORD = "Bench-pass-2024"  # noqa: S105 -- a throw-away school in a throw-away database
SETTINGS = "_checkin_settings"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _setup(count: int, gates: int):
    """School, event, gates, tickets; returns (host, public id, token, gate ids, payloads, schema)."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from alumni.events.models import (
        Event,
        EventStatus,
        Gate,
        Registration,
        RegistrationStatus,
        Ticket,
        TicketType,
    )
    from alumni.events.selectors.tickets import ticket_qr_payload
    from alumni.events.signing import new_keypair, scanner_token
    from alumni.network.selectors import head_association
    from alumni.people.models import Person
    from tenants.models import Domain
    from tenants.services import SchoolAdmin, school_create

    school = school_create(
        name="签到基准大学",
        short_name="签到",
        subdomain="bench-checkin",
        admin=SchoolAdmin(email="admin@bench-checkin.edu.cn", password=PASSWORD, name="管理员"),
    )
    host = Domain.objects.filter(tenant=school).values_list("domain", flat=True).first()
    with schema_context(school.schema_name):
        connection.tenant = school
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.get(is_superuser=True)
        sealed, public = new_keypair()
        start = timezone.now() + timezone.timedelta(hours=1)
        event = Event.objects.create(
            organization=head_association(),
            title="校友年会",
            starts_at=start,
            ends_at=start + timezone.timedelta(hours=5),
            status=EventStatus.PUBLISHED,
            signing_key=sealed,
            verify_key=public,
        )
        ticket_type = TicketType.objects.create(event=event, name="普通票")
        gate_ids = [Gate.objects.create(event=event, name=f"{i + 1} 号门").pk for i in range(gates)]
        people = Person.objects.bulk_create(
            [Person(name=f"校友{i:05d}") for i in range(count)], batch_size=2000
        )
        registrations = Registration.objects.bulk_create(
            [
                Registration(
                    event=event,
                    person=p,
                    ticket_type=ticket_type,
                    status=RegistrationStatus.CONFIRMED,
                    confirmed_at=timezone.now(),
                )
                for p in people
            ],
            batch_size=2000,
        )
        tickets = Ticket.objects.bulk_create(
            [Ticket(event=event, registration=r, holder_name=r.person.name) for r in registrations],
            batch_size=2000,
        )
        for t in tickets:
            t.event = event
        # A production table has planner statistics (autovacuum analyzes within a minute of a bulk
        # load); without them the planner would guess these freshly filled tables are empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE events_ticket, events_registration, events_gate, events_scan")
        payloads = [ticket_qr_payload(t) for t in tickets]
        token = scanner_token(user_id=admin.pk, event_id=event.pk, schema=school.schema_name)
    return host, event.public_id, token, gate_ids, payloads, school.schema_name, event.pk


def _server_up(port: int, host: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/v1/", headers={"Host": host})
        conn.getresponse().read()
        conn.close()
        return True
    except OSError:
        return False


def _start_gunicorn(port: int, workers: int, logs: Path, host: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "saas.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--timeout", "60", "--log-level", "warning"]
    handle = open(logs / "gunicorn.log", "w")  # noqa: SIM115 -- lives as long as the server
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if _server_up(port, host):
            return process
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"[checkin] gunicorn did not start:\n{(logs / 'gunicorn.log').read_text()[-3000:]}")


def _scan_all(port, host, public_id, token, jobs, clients) -> tuple[float, Counter, Counter]:
    """POST every (gate, payload, expected) from `clients` threads; (seconds, statuses, results)."""
    statuses: Counter = Counter()
    results: Counter = Counter()
    lock = threading.Lock()
    queue = iter(jobs)
    barrier = threading.Barrier(clients + 1)
    path = f"/api/v1/events/{public_id}/checkin/scan/"
    headers = {"Host": host, "Content-Type": "application/json", "Authorization": f"Scanner {token}"}

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        seen_status: Counter = Counter()
        seen_result: Counter = Counter()
        barrier.wait()
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                break
            gate, payload, kind = job
            body = json.dumps({"payload": payload, "gate": gate, "nonce": secrets.token_hex(12)})
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                seen_status[response.status] += 1
                if response.status == 200:
                    seen_result[(kind, json.loads(data)["result"])] += 1
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            except OSError as exc:
                seen_status[f"error:{exc.__class__.__name__}"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()
        with lock:
            statuses.update(seen_status)
            results.update(seen_result)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses, results


def _pgbench_binary() -> str:
    try:
        import pgserver

        candidate = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pgbench"
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    return shutil.which("pgbench") or "pgbench"


def _pgbench(clients: int, seconds: int) -> tuple[float, float]:
    """(simple-update tps, single-row UPDATE tps) with `clients` on a scratch database."""
    from saas.settings.env import database_from_url

    base = server_url()
    name = "alumni_bench_checkin_pgbench"
    _admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    db = database_from_url(with_database(base, name))
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    conn = ["-h", db["HOST"], "-U", db["USER"]] + (["-p", str(db["PORT"])] if db["PORT"] else [])
    binary = _pgbench_binary()
    try:
        subprocess.run(
            [binary, *conn, "-i", "-q", "-s", "10", name], env=env, check=True, capture_output=True
        )
        tps = []
        with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
            script.write("\\set aid random(1, 100000 * :scale)\n")
            script.write("UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = :aid;\n")
        for workload in (["-b", "simple-update"], ["-f", script.name]):
            out = subprocess.run(
                [binary, *conn, "-c", str(clients), "-j", "2", "-T", str(seconds), "-n", *workload, name],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            tps.append(float(re.search(r"tps = ([0-9.]+)", out).group(1)))
        os.unlink(script.name)
        return tps[0], tps[1]
    finally:
        _admin_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def body(args: list[str]) -> str:
    from django.db import connection
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from alumni.events.models import Scan, Ticket

    options = argparse.ArgumentParser()
    options.add_argument("--tickets", type=int, default=10_000)
    options.add_argument("--clients", type=int, default=16)
    options.add_argument("--workers", type=int, default=3, help="gunicorn workers (deploy/Dockerfile: 3)")
    options.add_argument("--pgbench-seconds", type=int, default=10)
    opts = options.parse_args(args)

    started = time.perf_counter()
    host, public_id, token, gate_ids, payloads, schema, event_id = _setup(opts.tickets, opts.clients)
    connection.close()
    # Every ticket once, in random order; the re-scans (another gate, same ticket) are mixed into
    # the second half, after their ticket's first scan was sent.
    firsts = [(random.choice(gate_ids), p, "first") for p in payloads]
    random.shuffle(firsts)
    half = len(firsts) // 2
    rescans = [
        (random.choice(gate_ids), p, "again") for _, p, _ in random.sample(firsts[:half], len(firsts) // 10)
    ]
    later = firsts[half:] + rescans
    random.shuffle(later)
    jobs = firsts[:half] + later
    print(
        f"[checkin] school, event, {len(payloads)} tickets in {time.perf_counter() - started:.1f}s; "
        f"{len(jobs)} scans to send from {opts.clients} gates",
        flush=True,
    )

    logs = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    port = free_port()
    server = _start_gunicorn(port, opts.workers, logs, host)
    try:
        seconds, statuses, results = _scan_all(port, host, public_id, token, jobs, opts.clients)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    per_s = len(jobs) / seconds

    with schema_context(schema):
        admitted_scans = Scan.objects.filter(event_id=event_id, result="admitted").count()
        twice = (
            Scan.objects.filter(event_id=event_id, result="admitted")
            .values("ticket")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        checked_in = Ticket.objects.filter(event_id=event_id, checked_in_at__isnull=False).count()
    double_entries = twice + max(0, admitted_scans - checked_in)
    missing = len(payloads) - checked_in
    errors = sum(n for status, n in statuses.items() if status != 200)
    print(
        f"[checkin] {len(jobs)} scans in {seconds:.1f}s ({per_s:.0f}/s); statuses {dict(statuses)}; "
        f"results {dict(results)}; {checked_in} tickets checked in; log {logs}",
        flush=True,
    )
    if errors:
        print((logs / "gunicorn.log").read_text()[-3000:])

    pgbench_tps, single_tps = _pgbench(opts.clients, opts.pgbench_seconds)
    print(
        f"[checkin] pgbench simple-update {pgbench_tps:.0f} tps, single-row update {single_tps:.0f} tps "
        f"({opts.clients} clients)",
        flush=True,
    )
    return (
        f"BENCH checkin tickets={len(payloads)} per_s={per_s:.0f} pgbench_tps={pgbench_tps:.0f} "
        f"ratio={per_s / pgbench_tps:.2f} double_entries={double_entries} scans={len(jobs)} "
        f"seconds={seconds:.1f} missing={missing} errors={errors} "
        f"rescans_already={results.get(('again', 'already'), 0)}/{len(rescans)} "
        f"pgbench_single_tps={single_tps:.0f} ratio_single={per_s / single_tps:.2f} "
        f"clients={opts.clients} server=gunicorn-{opts.workers}w"
    )


if __name__ == "__main__":
    main("checkin", body)
