"""Concurrency on a real PostgreSQL: two reservations racing for the last of the quota, and two
sends racing with the same idempotency key (separate threads = separate connections)."""

# Fixtures imported from core_fixtures are redefined as test parameters on purpose.
# ruff: noqa: F811

from __future__ import annotations

import threading

import pytest
from django.db import connection

from alumni.messaging.errors import QuotaExhausted
from alumni.messaging.models import MessageLog, SmsUsage
from alumni.messaging.services.quota import sms_quota_reserve, sms_quota_set
from alumni.messaging.services.send import Message, Recipient, message_send
from tests.alumni.messaging.core_fixtures import _fresh_cache, clean_messaging, outbox_dir  # noqa: F401
from tests.conftest import inside

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(school, *calls):
    """Run each call in its own thread and connection, released at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            with inside(school):
                barrier.wait()
                results[index] = call()
        except Exception as exc:  # collected and asserted by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def school(school_a):
    clean_messaging(school_a)
    yield school_a
    clean_messaging(school_a)


def test_two_reservations_exceeding_the_quota(school):
    with inside(school):
        sms_quota_set(quota=100)
        sms_quota_reserve(count=40)
    results = run_together(school, lambda: sms_quota_reserve(count=35), lambda: sms_quota_reserve(count=35))
    assert sorted(type(r).__name__ for r in results) == ["QuotaExhausted", "SmsUsage"]
    with inside(school):
        assert SmsUsage.objects.get().used == 75


def test_two_sms_sends_racing_for_the_last_sms(school, outbox_dir):
    with inside(school):
        sms_quota_set(quota=1)
    message = Message(purpose="invite", text="注册邀请")

    def send(phone):
        return lambda: message_send(
            recipient=Recipient(phone=phone), message=message, channels=["sms"], deliver="now"
        )

    results = run_together(school, send("13800000001"), send("13800000002"))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], QuotaExhausted)
    with inside(school):
        assert SmsUsage.objects.get().used == 1
        assert MessageLog.objects.filter(channel="sms").count() == 1  # nothing logged for the refused one
    assert len(list((outbox_dir / "alpha").glob("*.json"))) == 1  # and nothing sent for it


def test_same_key_racing_sends_once(school, outbox_dir):
    message = Message(purpose="invite", text="注册邀请")

    def send():
        return message_send(
            recipient=Recipient(phone="13800000003"),
            message=message,
            channels=["sms"],
            idempotency_key="invite:9",
            deliver="now",
        )

    results = run_together(school, send, send, send)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r[0].pk for r in results}) == 1
    with inside(school):
        assert MessageLog.objects.filter(idempotency_key="invite:9").count() == 1
        assert SmsUsage.objects.get().used == 1
    assert len(list((outbox_dir / "alpha").glob("*.json"))) == 1
