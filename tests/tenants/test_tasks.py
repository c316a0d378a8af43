"""Tasks run in the school they concern: fan-out to ready schools, sending after commit."""

from __future__ import annotations

import uuid

import pytest
from celery import current_app
from celery.exceptions import NotRegistered
from django.db import connection, transaction

from alumni.core.models import AuditEntry
from alumni.core.tasks import audit_record_system
from tenants.services import school_suspend
from tenants.tasks import for_each_school, send_after_commit
from tests.conftest import inside

TASK = "alumni.core.tasks.audit_record_system"


def entries(school, marker: str) -> list[str]:
    """What a school admin sees in the audit log for this test's marker."""
    with inside(school):
        return list(AuditEntry.objects.filter(summary=marker).values_list("action", flat=True))


def test_fan_out_runs_the_task_once_in_each_ready_school(school_a, school_b):
    marker = uuid.uuid4().hex

    sent = for_each_school(TASK, action="nightly_check", summary=marker)

    assert sent >= 2  # alpha, beta and any other ready school of this test database
    assert entries(school_a, marker) == ["nightly_check"]
    assert entries(school_b, marker) == ["nightly_check"]
    assert connection.schema_name == "public"  # the caller's schema is back


def test_a_beat_entry_for_the_fan_out_task_reaches_every_school(school_a, school_b):
    """Beat sends ``tenants.for_each_school`` by name from the public schema, as saas/celery.py shows."""
    marker = uuid.uuid4().hex

    current_app.tasks["tenants.for_each_school"].apply_async(
        [TASK], {"action": "weekly_digest", "summary": marker}, headers={"_schema_name": "public"}
    )

    assert entries(school_a, marker) == ["weekly_digest"]
    assert entries(school_b, marker) == ["weekly_digest"]


def test_fan_out_skips_suspended_and_unready_schools(school_a, school_b):
    school_suspend(school=school_b, reason="欠费")
    marker = uuid.uuid4().hex

    for_each_school(TASK, action="nightly_check", summary=marker)

    assert entries(school_a, marker) == ["nightly_check"]
    assert entries(school_b, marker) == []


def test_fan_out_spreads_sends_over_the_jitter_window(school_a, school_b, settings, monkeypatch):
    settings.CELERY_FAN_OUT_JITTER_SECONDS = 90
    sent: list[dict] = []
    # Eager mode ignores countdowns, so look at what would go to the broker.
    task_class = type(current_app.tasks[TASK])
    monkeypatch.setattr(task_class, "apply_async", lambda self, args, kwargs, **options: sent.append(options))

    for_each_school(TASK, action="x")

    by_schema = {options["headers"]["_schema_name"]: options["countdown"] for options in sent}
    assert {school_a.schema_name, school_b.schema_name} <= set(by_schema)
    assert all(0 <= countdown <= 90 for countdown in by_schema.values())
    assert len(set(by_schema.values())) == len(by_schema)  # not all schools in the same second


def test_fan_out_of_an_unknown_task_fails_loudly(school_a):
    with pytest.raises(NotRegistered):
        for_each_school("alumni.core.tasks.no_such_task")


def test_send_after_commit_waits_for_commit_and_keeps_the_schema(
    school_a, school_b, django_capture_on_commit_callbacks
):
    marker = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with inside(school_a):
            send_after_commit(audit_record_system, action="import_done", summary=marker)
        assert entries(school_a, marker) == []  # nothing runs before the commit

    assert len(callbacks) == 1
    callbacks[0]()  # the commit, after the connection already went back to the public schema

    assert entries(school_a, marker) == ["import_done"]
    assert entries(school_b, marker) == []


def test_send_after_commit_sends_nothing_when_the_transaction_rolls_back(
    school_a, django_capture_on_commit_callbacks
):
    marker = uuid.uuid4().hex
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        inside(school_a),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_after_commit(TASK, action="import_done", summary=marker)
        raise RuntimeError("import failed")

    assert callbacks == []
    assert entries(school_a, marker) == []
