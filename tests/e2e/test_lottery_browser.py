"""The lottery in a real browser: staff press 开始抽奖 on the big screen, names roll, the winners
appear; then anyone opens the public verification page and the browser itself re-runs the draw
(downloading the eligible list, pure-JS SHA-256/HMAC) and agrees with the published result."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from alumni.core.models import AuditEntry
from alumni.events.models import Draw, Event, Registration, Visibility, Winner
from alumni.events.services.draws import draw_create
from alumni.network.selectors import head_association
from alumni.people.models import Person
from tests.alumni.events.support import confirmed_party, make_event
from tests.conftest import host_of, inside
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_big_screen_draws_and_the_browser_verifies(page, live_server, school_a):
    port = urlsplit(live_server.url).port
    base = f"http://{host_of(school_a)}:{port}"
    event = None
    try:
        with inside(school_a):
            admin = get_user_model().objects.get(email="admin@alpha.edu.cn")
            event = make_event(head_association(), admin, title="返校日晚会", visibility=Visibility.PUBLIC)
            for i in range(30):
                confirmed_party(event, f"大屏来宾{i}", checked_in=True)
            draw = draw_create(event=event, actor=admin, name="一等奖", prize="手机", winners_count=3)
            client = Client(HTTP_HOST=host_of(school_a))
            client.force_login(admin)
            session = client.cookies["sessionid"].value
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page.goto(f"{base}/events/{event.public_id}/draws/screen/")
        page.wait_for_function("() => document.getElementById('screen-hash').textContent.includes('SHA-256')")
        assert draw.seed_hash in page.inner_text("#screen-hash")
        page.click("#screen-run")
        page.wait_for_function(
            "() => document.querySelectorAll('#screen-winners li').length === 3", timeout=20000
        )
        shown = page.inner_text("#screen-winners")
        screenshot(page, "lottery-screen")
        with inside(school_a):
            drawn = Draw.objects.get(pk=draw.pk)
            assert drawn.status == Draw.Status.DRAWN
            for winner in Winner.objects.filter(draw=drawn).select_related("ticket"):
                assert winner.ticket.holder_name in shown

        page.context.clear_cookies()
        page.goto(f"{base}/events/{event.public_id}/draws/{draw.pk}/verify/")
        page.click("#draw-recompute")
        page.wait_for_function(
            "() => document.querySelectorAll('#draw-checks li').length >= 3", timeout=20000
        )
        checks = page.locator("#draw-checks li")
        assert checks.count() == 3
        assert page.locator("#draw-checks li.draw-fail").count() == 0, page.inner_text("#draw-checks")
        recomputed = page.locator("#draw-recomputed li").all_inner_texts()
        with inside(school_a):
            assert recomputed == [
                str(pk)
                for pk in Winner.objects.filter(draw=draw)
                .order_by("rank")
                .values_list("ticket_id", flat=True)
            ]
        screenshot(page, "lottery-verify")
    finally:
        with inside(school_a):
            if event is not None:
                Winner.objects.filter(draw__event_id=event.pk).delete()
                Registration.objects.filter(event_id=event.pk).delete()
                Event.objects.filter(pk=event.pk).delete()
            Person.objects.filter(name__startswith="大屏来宾").delete()
            AuditEntry.objects.filter(action__startswith="events.").delete()
