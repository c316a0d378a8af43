"""An e-mail campaign to 100,000 recipients through REAL Celery workers to a local SMTP server.

Creates a school, a campaign with an uploaded list of N addresses, starts an aiosmtpd sink in
its own process (it only counts messages per recipient, so it is not the bottleneck) and P solo
Celery workers on Redis (database 15, a queue of its own), starts the campaign the way the
wizard does (``campaign_schedule``, ``EMAIL_CAMPAIGN_PARALLEL`` = P tasks claiming batches with
SKIP LOCKED), and times it until the campaign is done. Then the sink reports how many messages
each address got.

    python bench/email_campaign.py [--recipients N] [--parallel P]   # or: make bench NAME=email_campaign

Goal: seconds <= 600 for 100,000 recipients and duplicates=0. Needs Redis (``REDIS_URL``'s
server, else 127.0.0.1:6379); without it the bench says so and prints ``skipped=no_redis``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SINK_FLAG = "--sink"
PASSWORD = "Bench-pass-2024"  # noqa: S105 -- a throw-away school in a throw-away database


def broker_url() -> str:
    parsed = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    return f"{parsed.scheme}://{parsed.netloc}/15"


def redis_problem(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"{exc.__class__.__name__}: {exc}"
    return None


# --- the sink (its own process) ---------------------------------------------------------------


def run_sink(port: int, out: str) -> None:
    """Count accepted messages per recipient; on SIGTERM write the counts to `out` and exit."""
    from collections import Counter

    from aiosmtpd.controller import Controller

    counts: Counter = Counter()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            counts.update(r.lower() for r in envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    print("sink ready", flush=True)

    def finish(*_):
        controller.stop()
        Path(out).write_text(json.dumps(counts))
        sys.exit(0)

    signal.signal(signal.SIGTERM, finish)
    while True:
        signal.pause()  # the controller serves in its own thread


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_line(log_path: str, text: str, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in Path(log_path).read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(
        f"[email_campaign] no '{text}' from {process.args}:\n{Path(log_path).read_text()[-3000:]}"
    )


# --- the body (Django set up, in the bench database) -----------------------------------------


def _school():
    from tenants.services import SchoolAdmin, school_create

    return school_create(
        name="群发基准大学",
        short_name="群发",
        subdomain="bench-mail",
        admin=SchoolAdmin(email="admin@bench-mail.edu.cn", password=PASSWORD, name="管理员"),
    )


def _campaign(count: int):
    from django.contrib.auth import get_user_model

    from alumni.messaging.services.campaigns import (
        campaign_create,
        campaign_set_content,
        campaign_set_recipients,
        campaign_set_template,
    )

    admin = get_user_model().objects.get(email="admin@bench-mail.edu.cn")
    campaign = campaign_create(actor=admin, name="十万人群发")
    rows = [
        {
            "name": f"校友{i:06d}",
            "email": f"alum{i:06d}@example.com",
            "phone": "",
            "context": {"座位号": str(i)},
        }
        for i in range(count)
    ]
    params = {"filename": "bench.csv", "rows": rows, "bad_rows": [], "extra_columns": ["座位号"]}
    counts = campaign_set_recipients(campaign=campaign, actor=admin, source="upload", params=params)
    assert counts["pending"] == count, counts
    campaign_set_template(campaign=campaign, actor=admin, builtin="banner")
    body = (
        "{{称呼}}您好：\n\n母校 120 周年校庆将于 10 月举行，诚邀您回校。您的座位号是 {{座位号}}。\n\n校友会"
    )
    unknown = campaign_set_content(
        campaign=campaign, actor=admin, name="校庆邀请", subject="{{姓名}}，校庆见", body=body
    )
    assert unknown == [], unknown
    return campaign, admin


def _worker(index: int, port: int, logs: Path) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "CELERY_RESULT_BACKEND": "",
    }
    log = str(logs / f"worker-{index}.log")
    queue = os.environ["BENCH_QUEUE"]
    command = [sys.executable, "-m", "celery", "-A", "saas", "worker", "--pool=solo", "-Q", queue]
    command += ["-n", f"{queue}-{index}@%h", "-l", "warning", "--without-gossip", "--without-mingle"]
    with open(log, "w") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return process, log


def body(args: list[str]) -> str:
    import redis
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import schema_context

    from alumni.messaging.models import CampaignRecipient, EmailCampaign
    from alumni.messaging.services.campaigns import campaign_schedule

    options = argparse.ArgumentParser()
    options.add_argument("--recipients", type=int, default=100_000)
    options.add_argument("--parallel", type=int, default=settings.EMAIL_CAMPAIGN_PARALLEL)
    opts = options.parse_args(args)
    settings.EMAIL_CAMPAIGN_PARALLEL = opts.parallel

    school = _school()
    started = time.perf_counter()
    with schema_context(school.schema_name):
        connection.tenant = school
        campaign, admin = _campaign(opts.recipients)
    print(f"[email_campaign] {opts.recipients} recipients listed in {time.perf_counter() - started:.1f}s")

    logs = Path(tempfile.mkdtemp(prefix="bench-email-"))
    port, counts_file = free_port(), str(logs / "counts.json")
    sink_log = str(logs / "sink.log")
    with open(sink_log, "w") as handle:
        sink = subprocess.Popen(
            [sys.executable, __file__, SINK_FLAG, str(port), counts_file],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    workers = []
    try:
        wait_line(sink_log, "sink ready", 20, sink)
        workers = [_worker(i, port, logs) for i in range(opts.parallel)]
        time.sleep(1)
        for process, log in workers:
            if process.poll() is not None:
                raise SystemExit(f"worker died:\n{Path(log).read_text()[-3000:]}")

        with schema_context(school.schema_name):
            connection.tenant = school
            started = time.perf_counter()
            campaign_schedule(campaign=campaign, actor=admin, when=None)  # P tasks go to Redis
            last = 0.0
            while True:
                campaign.refresh_from_db()
                if campaign.status == EmailCampaign.Status.DONE:
                    break
                if time.perf_counter() - started > 3600:
                    raise SystemExit("[email_campaign] not done after an hour")
                if any(p.poll() is not None for p, _ in workers):
                    raise SystemExit(f"a worker died:\n{Path(workers[0][1]).read_text()[-3000:]}")
                if time.perf_counter() - last > 10:
                    last = time.perf_counter()
                    print(f"[email_campaign] {last - started:.0f}s: {campaign.sent_count} sent", flush=True)
                time.sleep(0.5)
            seconds = time.perf_counter() - started
            sent = CampaignRecipient.objects.filter(campaign=campaign, status="sent").count()
            failed = CampaignRecipient.objects.filter(campaign=campaign, status="failed").count()
    finally:
        for process, _ in workers:
            process.kill()
            process.wait(timeout=10)
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=30)
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        client.delete(os.environ["BENCH_QUEUE"], *client.scan_iter(f"*{os.environ['BENCH_QUEUE']}*"))

    received = json.loads(Path(counts_file).read_text())
    duplicates = sum(n - 1 for n in received.values() if n > 1)
    delivered = len(received)
    print(
        f"[email_campaign] {delivered} addresses received mail, {sum(received.values())} messages, "
        f"{failed} failed, report says {sent} sent; {sent / seconds:.0f} messages/s with {opts.parallel} worker(s)"
    )
    return (
        f"BENCH email_campaign recipients={delivered} seconds={seconds:.1f} duplicates={duplicates} "
        f"parallel={opts.parallel} missing={sent - delivered}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == [SINK_FLAG]:
        run_sink(int(sys.argv[2]), sys.argv[3])
    elif "--body" not in sys.argv[1:2]:
        url = broker_url()
        if problem := redis_problem(url):
            print(f"[email_campaign] skipped: needs Redis for the real workers ({url}: {problem})")
            print("BENCH email_campaign skipped=no_redis")
            sys.exit(0)
        os.environ["BENCH_BROKER_URL"] = url  # the driver drops REDIS_URL from the body's environment
        from _harness import main

        main("email_campaign", body)
    else:
        # The body and its workers: the bench's settings (own queue, SMTP) and the broker.
        os.environ["DJANGO_SETTINGS_MODULE"] = "_email_campaign_settings"
        os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL") or broker_url()
        os.environ["BENCH_QUEUE"] = f"bench-email-{uuid.uuid4().hex[:10]}"
        from _harness import main

        main("email_campaign", body)
