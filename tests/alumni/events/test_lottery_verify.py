"""The standalone verifier (docs/lottery_verify.py, standard library only) run as a user would run
it: it reproduces the winners of a real draw from the published data, and any change to the
eligible list, the seed or the round name gives other winners or fails the checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from alumni.events import draws
from alumni.events.models import Visibility, Winner
from alumni.events.services.draws import draw_create, draw_run
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import confirmed_party, make_event

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[3] / "docs" / "lottery_verify.py"


def _verify(tmp_path, entries, *extra, seed, name, count):
    listing = tmp_path / "eligible.txt"
    listing.write_text("\n".join(entries) + "\n", encoding="utf-8")
    # -I: isolated mode, nothing from the project's environment helps the script.
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            str(SCRIPT),
            "--seed",
            seed,
            "--list",
            str(listing),
            "--name",
            name,
            "--count",
            str(count),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )
    winners = [line.split()[1] for line in result.stdout.splitlines()]
    return result.returncode, winners, result.stderr


def test_script_reproduces_a_real_draw_from_the_published_record(etree, client_a, tmp_path):
    event = make_event(etree.a, visibility=Visibility.PUBLIC)
    for i in range(15):
        confirmed_party(event, f"校友{i}", guests=i % 2, checked_in=True)
    admin = get_user_model().objects.get(is_superuser=True, email="admin@alpha.edu.cn")
    draw = draw_create(event=event, actor=admin, name="一等奖 | 华为手机", prize="手机", winners_count=5)
    draw_run(draw=draw, actor=admin)

    record = client_a.get(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/").json()
    entries = (
        client_a.get(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/eligible.txt")
        .content.decode()
        .split()
    )
    published = [w["entry"] for w in record["winners"]]
    assert published == list(
        str(pk)
        for pk in Winner.objects.filter(draw=draw).order_by("rank").values_list("ticket_id", flat=True)
    )

    status, winners, _ = _verify(
        tmp_path,
        entries,
        "--seed-hash",
        record["seed_hash"],
        "--digest",
        record["eligible_digest"],
        seed=record["seed"],
        name=record["name"],
        count=record["winners_count"],
    )
    assert status == 0 and winners == published

    # The list order in the file does not matter (the algorithm sorts), its content does.
    status, winners, _ = _verify(
        tmp_path, list(reversed(entries)), seed=record["seed"], name=record["name"], count=5
    )
    assert winners == published

    changed = [e for e in entries if e != published[0]]
    status, winners, stderr = _verify(
        tmp_path,
        changed,
        "--digest",
        record["eligible_digest"],
        seed=record["seed"],
        name=record["name"],
        count=5,
    )
    assert status == 1 and "digest" in stderr and winners != published

    status, _, stderr = _verify(
        tmp_path, entries, "--seed-hash", record["seed_hash"], seed="0" * 64, name=record["name"], count=5
    )
    assert status == 1 and "hash" in stderr


def test_script_and_server_agree_on_random_lists(tmp_path):
    seed = "5f" * 32
    entries = [str(i * 7 + 1) for i in range(3000)]
    status, winners, _ = _verify(tmp_path, entries, seed=seed, name="二等奖", count=50)
    assert status == 0 and winners == draws.draw_winners(seed, entries, "二等奖", 50)
    assert draws.draw_winners(seed, entries, "三等奖", 50) != winners
    assert draws.draw_winners(seed, [*entries, "99999"], "二等奖", 50) != winners
    assert draws.draw_winners(seed, entries[1:], "二等奖", 50) != winners
