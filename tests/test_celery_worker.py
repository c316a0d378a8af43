"""A real Celery worker (another process, Redis in between) runs each school's task in its schema.

Needs a Redis server: ``CELERY_TEST_BROKER_URL``, else database 15 of ``REDIS_URL``'s server,
else ``redis://127.0.0.1:6379/15``. Skipped with the reason when none answers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import redis
from celery import current_app
from django.conf import settings
from django.db import connection
from tenant_schemas_celery.app import CeleryApp

from alumni.core.models import AuditEntry
from tenants.tasks import for_each_school
from tests.conftest import inside

ROOT = Path(__file__).resolve().parent.parent
TASK = "alumni.core.tasks.audit_record_system"
WAIT_SECONDS = 20

pytestmark = pytest.mark.django_db(transaction=True)  # the worker must see committed rows


def broker_url() -> str:
    if os.environ.get("CELERY_TEST_BROKER_URL"):
        return os.environ["CELERY_TEST_BROKER_URL"]
    parsed = urlparse(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    return f"{parsed.scheme}://{parsed.netloc}/15"


def redis_problem(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"no Redis at {url} for the real-worker test ({exc.__class__.__name__}: {exc})"
    return None


def worker_database_url() -> str:
    """The DSN of the test database this process uses, for the worker process."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    host = db["HOST"] or ""
    socket_dir = host if host.startswith("/") else ""
    netloc = f"{auth}@" if auth else ""
    if not socket_dir:
        netloc += host + (f":{db['PORT']}" if db["PORT"] else "")
    query = f"?host={quote(socket_dir)}" if socket_dir else ""
    return f"postgresql://{netloc}/{quote(db['NAME'])}{query}"


@contextlib.contextmanager
def sending_to(url: str, queue: str):
    """Make tasks sent from this process go to the broker (tests run eagerly otherwise)."""
    previous = current_app._get_current_object()
    app = CeleryApp("saas-test-sender", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, task_always_eager=False, task_default_queue=queue)
    app.autodiscover_tasks(lambda: settings.INSTALLED_APPS)
    app.set_current()
    try:
        yield app
    finally:
        app.close()
        previous.set_current()


@contextlib.contextmanager
def worker(url: str, queue: str):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "saas.settings.test",
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": "",  # results are not needed: the rows in each schema are the result
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log")  # noqa: SIM115
    command = [sys.executable, "-m", "celery", "-A", "saas", "worker", "--pool=solo", "--concurrency=1"]
    command += [
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process = subprocess.Popen(
        [*command, "-l", "info"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
        client = redis.Redis.from_url(url)
        client.delete(*client.scan_iter(f"*{queue}*"), queue)


def worker_log(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-4000:]


def audit_counts(schools, marker: str) -> dict[str, int]:
    counts = {}
    for school in schools:
        with inside(school):
            counts[school.subdomain] = AuditEntry.objects.filter(summary=marker).count()
    return counts


def test_a_real_worker_runs_each_schools_task_in_that_schools_schema(school_a, school_b):
    url = broker_url()
    if problem := redis_problem(url):
        pytest.skip(problem)
    assert settings.CELERY_TASK_ALWAYS_EAGER  # the suite itself never needs a worker
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    marker = uuid.uuid4().hex
    schools = (school_a, school_b)

    try:
        with worker(url, queue) as (process, log), sending_to(url, queue):
            sent = for_each_school(TASK, action="worker_check", summary=marker)
            assert sent >= 2
            # Nothing ran here: the tasks went to Redis for the worker.
            assert audit_counts(schools, marker) == {"alpha": 0, "beta": 0}

            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline and process.poll() is None:
                if audit_counts(schools, marker) == {"alpha": 1, "beta": 1}:
                    break
                time.sleep(0.2)
            counts = audit_counts(schools, marker)
            assert counts == {"alpha": 1, "beta": 1}, f"worker wrote {counts}; its log:\n{worker_log(log)}"
            assert "succeeded" in worker_log(log)
    finally:
        for school in schools:
            with inside(school):
                AuditEntry.objects.filter(summary=marker).delete()
