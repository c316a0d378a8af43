"""Giving day: 5,000 successful-payment webhooks (+10% duplicates) from 20 clients to the running app.

Creates a school and N sandbox payments through the services (``payment_create`` +
``payment_start``, as the pay page does), then starts the app as real server processes and
POSTs to it over HTTP. The server (``--workers``, default 3 like the production image's gunicorn):
W processes of Django's own threaded development server (the ``runserver`` server class, a
thread per connection) sharing the port through ``SO_REUSEPORT`` (bench/_giving_day_server.py);
``--workers 1`` runs plain ``manage.py runserver --noreload`` (threading on) instead. The
server loads a bench-only app (bench/_giving_day_app.py) that counts ``payment_succeeded``
receptions, and keeps its database connections (``--conn-max-age``, see
bench/_giving_day_settings.py: production reuses backends through its session pooler).

20 concurrent clients (threads, one keep-alive HTTP connection each) POST N×1.1 signed sandbox
events (``providers/sandbox.py`` event_body + sign) to the platform's ``/pay/webhooks/sandbox/``,
shuffled: one "paid" event per payment, plus 10% duplicates — half re-deliveries of the very same
event (same id, same signature), half a second, different event saying the same payment is paid.
``seconds`` is the wall time from the first request to the last answer.

double_credits = payments with more than one transition into *succeeded*, plus credits the
receiver saw more than once for a payment. Also checked: every payment credited (missing), every
delivery answered 200 (errors), and one ProviderEvent per distinct event id (events).

    python bench/giving_day.py [--payments N] [--clients C] [--workers W] [--conn-max-age S]
    make bench NAME=giving_day

Goal: seconds <= 60 for 5,000 payments, double_credits=0, missing=0, errors=0.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETTINGS = "_giving_day_settings"
PASSWORD = "Bench-pass-2024"  # noqa: S105 -- a throw-away school in a throw-away database
PLATFORM_HOST = "localhost"
WEBHOOK_PATH = "/pay/webhooks/sandbox/"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _school():
    from tenants.services import SchoolAdmin, school_create

    return school_create(
        name="捐赠日基准大学",
        short_name="捐赠日",
        subdomain="bench-giving",
        admin=SchoolAdmin(email="admin@bench-giving.edu.cn", password=PASSWORD, name="管理员"),
    )


def _payments(count: int) -> list:
    from billing.payments.providers.base import PayerContext
    from billing.payments.services import payment_create, payment_start

    payments = []
    for i in range(count):
        payment = payment_create(
            purpose="giving.donation",
            purpose_id=i,
            subject="捐赠日 · 校园林木认捐",
            amount=random.choice((1000, 5000, 10000, 20000, 52000)),
            idempotency_key=f"giving-day-{i}",
            payer_name=f"校友{i:05d}",
        )
        payments.append(
            payment_start(payment=payment, provider="sandbox", payer=PayerContext(channel="sandbox"))
        )
    return payments


def _deliveries(payments: list, schema: str) -> list[tuple[bytes, str]]:
    """(body, signature) pairs: one "paid" event per payment, then 10% duplicates, shuffled."""
    from billing.payments.providers import sandbox

    def delivery(payment):
        body = sandbox.event_body(
            schema_name=schema,
            reference=payment.reference,
            outcome="succeeded",
            amount=payment.amount,
            currency=payment.currency,
        )
        return body, sandbox.sign(body, schema_name=schema)

    first = [delivery(payment) for payment in payments]
    extra = len(payments) // 10
    redelivered = random.sample(first, extra - extra // 2)  # the same event again
    second_events = [delivery(payment) for payment in random.sample(payments, extra // 2)]
    everything = first + redelivered + second_events
    random.shuffle(everything)
    return everything


def _server_up(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/", headers={"Host": PLATFORM_HOST})
        conn.getresponse().read()
        conn.close()
        return True
    except OSError:
        return False


def _start_server(
    port: int, workers: int, conn_max_age: int, logs: Path, credits_file: Path
) -> list[subprocess.Popen]:
    """`runserver --noreload` (workers=1) or that many worker processes sharing the port."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
        "BENCH_CREDITS_FILE": str(credits_file),
        "BENCH_CONN_MAX_AGE": str(conn_max_age),
    }
    if workers == 1:
        commands = [
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]
        ]
    else:
        commands = [[sys.executable, str(HERE / "_giving_day_server.py"), str(port)]] * workers
    processes = []
    for index, command in enumerate(commands):
        with open(logs / f"server-{index}.log", "w") as handle:
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
            )
    # runserver's banner is buffered, so for it the first answered request is the signal.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and all(p.poll() is None for p in processes):
        logs_ready = workers == 1 or all(
            "worker listening" in (logs / f"server-{i}.log").read_text(errors="replace")
            for i in range(len(processes))
        )
        if logs_ready and _server_up(port):
            return processes
        time.sleep(0.2)
    for process in processes:
        process.kill()
    raise SystemExit(f"[giving_day] the server did not start:\n{(logs / 'server-0.log').read_text()[-3000:]}")


def _deliver(port: int, deliveries: list[tuple[bytes, str]], clients: int) -> tuple[float, Counter]:
    """POST every delivery from `clients` threads; returns (seconds, Counter of HTTP statuses)."""
    from billing.payments.providers import sandbox

    statuses: Counter = Counter()
    lock = threading.Lock()
    queue = iter(deliveries)
    barrier = threading.Barrier(clients + 1)

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        seen: Counter = Counter()
        barrier.wait()
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            body, signature = item
            headers = {
                "Host": PLATFORM_HOST,
                "Content-Type": "application/json",
                sandbox.SIGNATURE_HEADER: signature,
            }
            try:
                conn.request("POST", WEBHOOK_PATH, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                seen[response.status] += 1
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            except OSError as exc:
                seen[f"error:{exc.__class__.__name__}"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()
        with lock:
            statuses.update(seen)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses


def body(args: list[str]) -> str:
    from django.db import connection
    from django.db.models import Count, Q
    from django_tenants.utils import schema_context

    from billing.payments.models import Payment, PaymentState, ProviderEvent

    options = argparse.ArgumentParser()
    options.add_argument("--payments", type=int, default=5000)
    options.add_argument("--clients", type=int, default=20)
    options.add_argument("--workers", type=int, default=3, help="server processes; 1 = runserver")
    options.add_argument("--conn-max-age", type=int, default=60, help="the server's CONN_MAX_AGE")
    opts = options.parse_args(args)

    started = time.perf_counter()
    school = _school()
    with schema_context(school.schema_name):
        connection.tenant = school
        payments = _payments(opts.payments)
        deliveries = _deliveries(payments, school.schema_name)
    connection.close()  # the server and the bench must not share this connection's state
    print(
        f"[giving_day] school and {len(payments)} sandbox payments in {time.perf_counter() - started:.1f}s; "
        f"{len(deliveries)} deliveries to send",
        flush=True,
    )

    logs = Path(tempfile.mkdtemp(prefix="bench-giving-"))
    credits_file = logs / f"credits-{uuid.uuid4().hex}.txt"
    credits_file.touch()
    port = free_port()
    servers = _start_server(port, opts.workers, opts.conn_max_age, logs, credits_file)
    try:
        seconds, statuses = _deliver(port, deliveries, opts.clients)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)

    with schema_context(school.schema_name):
        credited_states = Payment.objects.filter(state=PaymentState.SUCCEEDED).count()
        twice = (
            Payment.objects.annotate(
                into_paid=Count("transitions", filter=Q(transitions__to_state=PaymentState.SUCCEEDED))
            )
            .filter(into_paid__gt=1)
            .count()
        )
        events = ProviderEvent.objects.count()
    receptions = Counter(credits_file.read_text().split())
    received_twice = sum(n - 1 for n in receptions.values() if n > 1)
    double_credits = twice + received_twice
    missing = len(payments) - min(credited_states, len(receptions))
    errors = sum(n for status, n in statuses.items() if status != 200)
    distinct_events = len({body for body, _ in deliveries})
    print(
        f"[giving_day] {len(deliveries)} deliveries in {seconds:.1f}s ({len(deliveries) / seconds:.0f}/s) "
        f"with {opts.clients} clients; statuses {dict(statuses)}; {credited_states} payments succeeded, "
        f"receiver called for {len(receptions)} ({sum(receptions.values())} calls); "
        f"{events} provider events for {distinct_events} distinct events; server log in {logs}",
        flush=True,
    )
    if errors:
        print((logs / "server-0.log").read_text()[-3000:])
    return (
        f"BENCH giving_day payments={len(payments)} seconds={seconds:.1f} double_credits={double_credits} "
        f"deliveries={len(deliveries)} clients={opts.clients} per_second={len(deliveries) / seconds:.0f} "
        f"missing={missing} errors={errors} events={events} "
        f"server={'runserver' if opts.workers == 1 else f'{opts.workers}x-threaded-wsgi'} "
        f"conn_max_age={opts.conn_max_age}"
    )


if __name__ == "__main__":
    if "--body" in sys.argv[1:2]:
        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    from _harness import main

    main("giving_day", body)
