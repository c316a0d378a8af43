"""Shared helpers for the SMS campaign and birthday tests: the console SMS outbox as the phone
that receives the messages, a configured sign name, and quick records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alumni.messaging.models import MessagingSettings, SmsUsage
from alumni.people.services.records import person_create
from tests.conftest import inside

__all__ = ["outbox"]  # star-imported by the test modules for the fixture

SIGN = "阿大校友会"


@pytest.fixture
def outbox(settings, tmp_path):
    """Where the console SMS backend writes each message: one JSON file per SMS, per school."""
    settings.SMS_OUTBOX_DIR = tmp_path / "sms"
    return tmp_path / "sms"


def received(outbox: Path, schema: str) -> list[dict]:
    folder = outbox / schema
    return (
        [json.loads(p.read_text("utf-8")) for p in sorted(folder.glob("*.json"))] if folder.exists() else []
    )


def configure_sms(school, sign: str = SIGN) -> None:
    with inside(school):
        config = MessagingSettings.base_queryset().first() or MessagingSettings()
        config.sms_provider, config.sms_sign_name = "console", sign
        config.save()


def set_quota(school, *, quota: int, used: int = 0, year: int | None = None) -> None:
    from django.utils import timezone

    year = year or timezone.localdate().year
    with inside(school):
        SmsUsage.objects.update_or_create(year=year, defaults={"quota": quota, "used": used})


def usage(school) -> tuple[int, int]:
    from django.utils import timezone

    with inside(school):
        row = SmsUsage.objects.filter(year=timezone.localdate().year).first()
        return (row.used, row.quota) if row else (0, 100_000)


def person(**fields):
    """A record through the real service (call inside a school)."""
    fields.setdefault("name", "张伟")
    return person_create(degrees=fields.pop("degrees", []), **fields)
