"""Lottery rounds: commitment before, one run, the revealed seed reproduces the winners; who may
see, create and run a round; the public verification page, the big screen and school isolation."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import get_user_model

from alumni.core.models import AuditEntry
from alumni.core.pii import pii_decrypt
from alumni.events import draws
from alumni.events.errors import DrawAlreadyRun, DrawInvalid, DrawNoEligible, EventNotAllowed
from alumni.events.models import Draw, Ticket, Visibility, Winner
from alumni.events.services.draws import draw_create, draw_delete, draw_run
from alumni.events.services.tickets import tickets_revoke
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import confirmed_party, make_event
from tests.conftest import inside

pytestmark = pytest.mark.django_db


def _admin():
    return get_user_model().objects.get(is_superuser=True, email="admin@alpha.edu.cn")


def _party_tickets(event, n, *, checked_in=True, prefix="来宾"):
    entries = []
    for i in range(n):
        _, tickets = confirmed_party(event, f"{prefix}{i}", checked_in=checked_in)
        entries += [str(t.pk) for t in tickets]
    return entries


def _won(draw) -> list[str]:
    return [
        str(pk)
        for pk in Winner.objects.filter(draw=draw).order_by("rank").values_list("ticket_id", flat=True)
    ]


def test_round_commits_to_a_sealed_seed_and_reveals_it_only_after_the_draw(etree, client_a):
    event = make_event(etree.a, visibility=Visibility.PUBLIC)
    entries = _party_tickets(event, 12)
    draw = draw_create(event=event, actor=_admin(), name="一等奖", prize="笔记本电脑", winners_count=3)
    seed = pii_decrypt(draw.sealed_seed)
    assert hashlib.sha256(seed.encode()).hexdigest() == draw.seed_hash
    assert draw.seed == ""

    before = client_a.get(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/").json()
    assert before["seed_hash"] == draw.seed_hash
    assert before["seed"] is None and before["winners"] == []
    assert seed not in client_a.get(f"/events/{event.public_id}/draws/{draw.pk}/verify/").content.decode()

    drawn = draw_run(draw=draw, actor=_admin())
    assert drawn.seed == seed and drawn.sealed_seed == ""
    expected = draws.draw_winners(seed, entries, "一等奖", 3)
    winners = _won(draw)
    assert winners == expected and len(set(winners)) == 3
    assert drawn.eligible_count == 12 and drawn.eligible_digest == draws.eligible_digest(entries)

    after = client_a.get(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/").json()
    assert after["seed"] == seed and [w["entry"] for w in after["winners"]] == expected
    assert draws.draw_verify(
        seed=after["seed"],
        published_hash=before["seed_hash"],
        entries=client_a.get(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/eligible.txt")
        .content.decode()
        .split(),
        draw_name=after["name"],
        count=after["winners_count"],
        winners=[w["entry"] for w in after["winners"]],
    )
    page = client_a.get(f"/events/{event.public_id}/draws/{draw.pk}/verify/").content.decode()
    assert seed in page and drawn.eligible_digest in page and f"<code>{expected[0]}</code>" in page
    # Ticket codes admit at a gate when typed in: nothing public may show one.
    listing = client_a.get(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/eligible.txt").content.decode()
    for code in Ticket.objects.filter(event=event).values_list("code", flat=True):
        assert code not in page and code not in listing and code not in str(after)
    assert AuditEntry.objects.filter(action="events.draw_run", object_id=str(draw.pk)).exists()


def test_eligibility_counts_checked_in_valid_tickets_and_skips_earlier_winners(etree):
    event = make_event(etree.a)
    arrived = _party_tickets(event, 6, checked_in=True)
    _party_tickets(event, 4, checked_in=False, prefix="未到")
    registration, revoked = confirmed_party(event, "退票", checked_in=True)
    tickets_revoke(registration=registration, reason="取消")

    first = draw_run(
        draw=draw_create(event=event, actor=_admin(), name="三等奖", prize="书", winners_count=4),
        actor=_admin(),
    )
    assert first.eligible_count == 6
    first_won = set(_won(first))
    assert first_won <= set(arrived) and str(revoked[0].pk) not in first_won

    second = draw_create(event=event, actor=_admin(), name="二等奖", prize="耳机", winners_count=5)
    second = draw_run(draw=second, actor=_admin())
    second_won = set(_won(second))
    # Only 2 arrived guests had not won yet: a round with more prizes than people gives everyone one.
    assert second_won == set(arrived) - first_won
    assert second.eligible_count == 2

    everyone = draw_create(
        event=event,
        actor=_admin(),
        name="参与奖",
        prize="纪念品",
        winners_count=10,
        eligibility=Draw.Eligibility.REGISTERED,
        exclude_previous_winners=False,
    )
    everyone = draw_run(draw=everyone, actor=_admin())
    assert everyone.eligible_count == 10


def test_a_round_runs_once_and_a_drawn_round_cannot_be_deleted(etree):
    event = make_event(etree.a)
    _party_tickets(event, 3)
    draw = draw_create(event=event, actor=_admin(), name="特等奖", prize="机票", winners_count=1)
    draw_run(draw=draw, actor=_admin())
    with pytest.raises(DrawAlreadyRun):
        draw_run(draw=draw, actor=_admin())
    with pytest.raises(DrawAlreadyRun):
        draw_delete(draw=draw, actor=_admin())
    assert Winner.objects.filter(draw=draw).count() == 1

    spare = draw_create(event=event, actor=_admin(), name="备用", prize="奖品", winners_count=1)
    draw_delete(draw=spare, actor=_admin())
    assert not Draw.objects.filter(pk=spare.pk).exists()


def test_round_input_is_checked(etree):
    event = make_event(etree.a)
    with pytest.raises(DrawInvalid):
        draw_create(event=event, actor=_admin(), name="", prize="书", winners_count=1)
    with pytest.raises(DrawInvalid):
        draw_create(event=event, actor=_admin(), name="一等奖", prize="书", winners_count=0)
    draw_create(event=event, actor=_admin(), name="一等奖", prize="书", winners_count=1)
    with pytest.raises(DrawInvalid):
        draw_create(event=event, actor=_admin(), name="一等奖", prize="另一本书", winners_count=1)
    empty = draw_create(event=event, actor=_admin(), name="无人", prize="书", winners_count=1)
    with pytest.raises(DrawNoEligible):
        draw_run(draw=empty, actor=_admin())
    assert Draw.objects.get(pk=empty.pk).status == Draw.Status.COMMITTED


def test_chapter_admin_runs_rounds_of_their_subtree_only(etree):
    event_a = make_event(etree.a1)
    event_b = make_event(etree.b)
    _party_tickets(event_a, 2)
    draw = draw_create(
        event=event_a, actor=etree.users["admin_a"], name="一等奖", prize="书", winners_count=1
    )
    assert draw_run(draw=draw, actor=etree.users["president_a"]).status == Draw.Status.DRAWN
    with pytest.raises(EventNotAllowed):
        draw_create(event=event_b, actor=etree.users["admin_a"], name="一等奖", prize="书", winners_count=1)
    other = draw_create(event=event_b, actor=_admin(), name="一等奖", prize="书", winners_count=1)
    for role in ("admin_a", "member_a", "alumnus"):
        with pytest.raises(EventNotAllowed):
            draw_run(draw=other, actor=etree.users[role])
        with pytest.raises(EventNotAllowed):
            draw_delete(draw=other, actor=etree.users[role])


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "screen", "run"),
    [
        ("school_admin", 200, 200),
        ("admin_a", 200, 200),
        ("member_a", 403, 403),
        ("alumnus", 403, 403),
        ("anonymous", 302, 401),
    ],
)
def test_big_screen_and_run_api_per_role(etree, school_a, client_a, role, screen, run):
    event = make_event(etree.a)
    _party_tickets(event, 3)
    draw = draw_create(event=event, actor=_admin(), name="一等奖", prize="书", winners_count=2)
    if role != "anonymous":
        _login(client_a, etree.users[role])
    response = client_a.get(f"/events/{event.public_id}/draws/screen/")
    assert response.status_code == screen
    if screen == 200:
        assert (
            "一等奖"
            in client_a.get(f"/api/v1/events/{event.public_id}/draws/screen/?names=1").content.decode()
        )
    result = client_a.post(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/run/")
    assert result.status_code in ((401, 403) if run == 401 else (run,))
    if run == 200:
        body = result.json()
        assert body["status"] == "drawn" and len(body["winners"]) == 2
        # The screen shows full names; the public record masks them.
        full = {t.holder_name for t in Ticket.objects.filter(event=event)}
        assert {w["name"] for w in body["winners"]} <= full
        again = client_a.post(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/run/")
        assert again.status_code == 409 and again.json()["code"] == "draw_already_run"
    else:
        assert Draw.objects.get(pk=draw.pk).status == Draw.Status.COMMITTED


def test_public_record_masks_names_and_follows_event_visibility(etree, client_a):
    alumni_only = make_event(etree.a, visibility=Visibility.ALUMNI)
    _party_tickets(alumni_only, 2)
    draw = draw_run(
        draw=draw_create(event=alumni_only, actor=_admin(), name="一等奖", prize="书", winners_count=1),
        actor=_admin(),
    )
    url = f"/api/v1/events/{alumni_only.public_id}/draws/{draw.pk}/"
    assert client_a.get(url).status_code == 404
    assert client_a.get(f"/events/{alumni_only.public_id}/draws/{draw.pk}/verify/").status_code == 404
    _login(client_a, etree.users["alumnus"])
    body = client_a.get(url).json()
    name = Winner.objects.get(draw=draw).ticket.holder_name
    assert body["winners"][0]["name"] != name and body["winners"][0]["name"][0] == name[0]
    assert "*" in body["winners"][0]["name"]


def test_other_school_never_sees_the_draws(school_a, school_b, client_b, etree):
    event = make_event(etree.a, visibility=Visibility.PUBLIC)
    _party_tickets(event, 2)
    draw = draw_create(event=event, actor=_admin(), name="一等奖", prize="书", winners_count=1)
    assert client_b.get(f"/api/v1/events/{event.public_id}/draws/").status_code == 404
    assert client_b.get(f"/events/{event.public_id}/draws/{draw.pk}/verify/").status_code == 404
    with inside(school_b):
        client_b.force_login(get_user_model().objects.get(is_superuser=True, email="admin@beta.edu.cn"))
    assert client_b.post(f"/api/v1/events/{event.public_id}/draws/{draw.pk}/run/").status_code == 404
    assert client_b.get(f"/events/{event.public_id}/draws/screen/").status_code == 404
    with inside(school_a):
        assert Draw.objects.get(pk=draw.pk).status == Draw.Status.COMMITTED


def test_a_holder_finds_their_draw_numbers_on_the_verification_page(etree, client_a):
    event = make_event(etree.a)
    _, (own, guest) = confirmed_party(event, guests=1, checked_in=True, person=etree.persons["alumnus"])
    _party_tickets(event, 3)
    # Everyone of the 5 eligible tickets wins, so the holder's own ticket surely has a rank.
    draw = draw_run(
        draw=draw_create(event=event, actor=_admin(), name="幸运奖", prize="书", winners_count=5),
        actor=_admin(),
    )
    client_a.force_login(etree.users["alumnus"])
    page = client_a.get(f"/events/{event.public_id}/draws/{draw.pk}/verify/").content.decode()
    assert "我的抽奖号" in page
    rank = Winner.objects.get(draw=draw, ticket=own).rank
    assert f"<code>{own.pk}</code>" in page and f"<code>{guest.pk}</code>" in page
    assert f"中奖（第 {rank} 名）" in page


def test_back_office_creates_and_runs_rounds(school_b, client_b, etree, client_a):
    event = make_event(etree.a)
    _party_tickets(event, 4)
    url = f"/admin/events/draws/{event.pk}/"
    client_a.force_login(etree.users["member_a"])
    assert client_a.get(url).status_code in (302, 403)
    assert client_a.post(
        f"{url}create/", {"name": "一等奖", "prize": "书", "winners_count": 1}
    ).status_code in (
        302,
        403,
    )
    assert not Draw.objects.filter(event=event).exists()

    client_a.force_login(_admin())
    response = client_a.post(
        f"{url}create/",
        {
            "name": "一等奖",
            "prize": "书",
            "winners_count": 2,
            "eligibility": "checked_in",
            "exclude_previous_winners": "on",
        },
    )
    assert response.status_code == 302
    draw = Draw.objects.get(event=event)
    page = client_a.get(url).content.decode()
    assert draw.seed_hash in page and "开奖" in page
    assert client_a.post(f"{url}{draw.pk}/run/").status_code == 302
    assert Draw.objects.get(pk=draw.pk).status == Draw.Status.DRAWN
    assert Winner.objects.filter(draw=draw).count() == 2

    with inside(school_b):
        client_b.force_login(get_user_model().objects.get(is_superuser=True, email="admin@beta.edu.cn"))
    assert client_b.get(url).status_code == 404
