"""Business-card exchange: request, accept, decline, refusals, and the H5 "我的名片" page."""

from __future__ import annotations

import pytest

from alumni.people.errors import CardDuplicate, CardInvalid, NotVerified
from alumni.people.models import CardExchange
from alumni.people.selectors.cards import card_partners, cards_received_pending, cards_sent
from alumni.people.selectors.privacy import person_card
from alumni.people.services.cards import card_accept, card_decline, card_request
from alumni.people.services.records import person_set_privacy
from tests.alumni.people.alumni_side import college, h5_client, record, verified_alumnus
from tests.conftest import inside


@pytest.fixture
def pair(in_school_a):
    cs = college("计算机科学与技术学院")
    law = college("法学院")
    a, a_user = verified_alumnus("甲校友", college_obj=cs, phones=["13800000001"], wechat_id="jia-wx")
    b, b_user = verified_alumnus("乙校友", college_obj=law, phones=["13900000002"], wechat_id="yi-wx")
    for person in (a, b):
        person_set_privacy(person=person, choices={"phone": "alumni"})
        person.refresh_from_db()
    return a, a_user, b, b_user


def test_request_accept_and_both_see_contact_fields(pair):
    a, a_user, b, b_user = pair
    assert person_card(b, viewer_person=a, viewer_user=a_user)["phones"] == ["139****0002"]
    assert "wechat_id" not in person_card(b, viewer_person=a, viewer_user=a_user)  # chapters by default

    exchange = card_request(requester=a, recipient=b, message="师兄好")
    assert exchange.status == CardExchange.Status.PENDING and exchange.message == "师兄好"
    assert list(cards_received_pending(b)) == [exchange] and list(cards_sent(a)) == [exchange]

    card_accept(exchange=exchange, person=b)

    assert person_card(b, viewer_person=a, viewer_user=a_user)["phones"] == ["13900000002"]
    assert person_card(a, viewer_person=b, viewer_user=b_user)["phones"] == ["13800000001"]
    assert person_card(a, viewer_person=b, viewer_user=b_user)["wechat_id"] == "jia-wx"
    assert card_partners(a) == [b] and card_partners(b) == [a]
    assert not cards_received_pending(b).exists() and not cards_sent(a).exists()


def test_nobody_stays_closed_even_for_a_partner(pair):
    a, a_user, b, _ = pair
    person_set_privacy(person=b, choices={"phone": "nobody"})
    b.refresh_from_db()
    card_accept(exchange=card_request(requester=a, recipient=b), person=b)
    assert "phones" not in person_card(b, viewer_person=a, viewer_user=a_user)


def test_decline_shares_nothing_and_a_second_request_is_refused(pair):
    a, a_user, b, _ = pair
    exchange = card_request(requester=a, recipient=b)
    card_decline(exchange=exchange, person=b)
    assert person_card(b, viewer_person=a, viewer_user=a_user)["phones"] == ["139****0002"]
    with pytest.raises(CardDuplicate):
        card_request(requester=a, recipient=b)
    # The one who declined may still ask later.
    assert card_request(requester=b, recipient=a).status == CardExchange.Status.PENDING


def test_refusals_are_clear(pair, in_school_a):
    a, _, b, _ = pair
    with pytest.raises(CardInvalid, match="不能和自己交换名片"):
        card_request(requester=a, recipient=a)
    card_request(requester=a, recipient=b)
    with pytest.raises(CardDuplicate, match="已向乙校友发送过"):
        card_request(requester=a, recipient=b)
    unverified = record("未认证")
    with pytest.raises(CardInvalid, match="不是已认证校友"):
        card_request(requester=a, recipient=unverified)
    with pytest.raises(NotVerified):
        card_request(requester=unverified, recipient=a)


def test_asking_back_accepts_the_pending_request(pair):
    a, _, b, _ = pair
    card_request(requester=a, recipient=b)
    exchange = card_request(requester=b, recipient=a)
    assert exchange.status == CardExchange.Status.ACCEPTED and exchange.requester == a
    with pytest.raises(CardDuplicate, match="已交换过名片"):
        card_request(requester=a, recipient=b)


def test_only_the_recipient_responds_and_only_once(pair):
    a, _, b, _ = pair
    exchange = card_request(requester=a, recipient=b)
    with pytest.raises(CardInvalid):
        card_accept(exchange=exchange, person=a)
    card_accept(exchange=exchange, person=b)
    with pytest.raises(CardDuplicate):
        card_decline(exchange=exchange, person=b)


def test_h5_request_then_accept_on_my_cards_page(school_a):
    with inside(school_a):
        cs = college("计算机科学与技术学院")
        a, a_user = verified_alumnus("甲校友", college_obj=cs, phones=["13800000001"])
        b, b_user = verified_alumnus("乙校友", college_obj=cs, phones=["13900000002"])
        person_set_privacy(person=b, choices={"phone": "chapters"})
    client_a = h5_client(school_a, a_user)
    page = client_a.get(f"/alumni/p/{b.public_id}/").content.decode()
    assert "发送交换请求" in page and "139****0002" in page and "13900000002" not in page

    response = client_a.post(f"/alumni/p/{b.public_id}/card/", {"message": "老同学，加个名片"}, follow=True)
    assert "已向乙校友发送名片交换请求" in response.content.decode()
    again = client_a.post(f"/alumni/p/{b.public_id}/card/", {"message": "再来"}, follow=True)
    assert "等待对方回应" in again.content.decode()
    mine = client_a.post(f"/alumni/p/{a.public_id}/card/", follow=True).content.decode()
    assert "这是你自己" in mine

    client_b = h5_client(school_a, b_user)
    cards_page = client_b.get("/alumni/cards/").content.decode()
    assert "待我回应" in cards_page and "甲校友" in cards_page and "老同学，加个名片" in cards_page
    assert "仅自己" not in cards_page  # b's phone is open to partners: no warning
    response = client_b.post(f"/alumni/cards/{a.public_id}/accept/", follow=True)
    page = response.content.decode()
    assert "已与甲校友交换名片" in page and "已交换的名片" in page

    page = client_a.get(f"/alumni/p/{b.public_id}/").content.decode()
    assert "13900000002" in page and "你们已交换名片" in page
    assert client_b.post(f"/alumni/cards/{a.public_id}/accept/", follow=True).status_code == 200


def test_h5_cards_page_warns_when_my_phone_is_closed(school_a):
    with inside(school_a):
        _, user = verified_alumnus("丙校友", college_obj=college("法学院"))
    page = h5_client(school_a, user).get("/alumni/cards/").content.decode()
    assert "仅自己" in page and "还没有交换过名片" in page


def test_card_pages_need_a_verified_record(school_a, client_a):
    with inside(school_a):
        target, _ = verified_alumnus("丁校友")
    assert client_a.get("/alumni/cards/").status_code == 302
    assert client_a.post(f"/alumni/p/{target.public_id}/card/").status_code == 302
    with inside(school_a):
        assert not CardExchange.objects.exists()
