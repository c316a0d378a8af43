"""The 我的 tab carries the unread count, and the account page links to 我的消息."""

from django.contrib.auth import get_user_model
from django.test import Client

from alumni.messaging.models import Notice
from tests.conftest import host_of, inside


def test_unread_badge_and_link(school_a, school_b):
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="badge", phone="13900000099", password="Badge-pass-1"
        )
        Notice.objects.create(user=user, title="活动提醒")
        Notice.objects.create(user=user, title="捐赠致谢")
    client = Client(HTTP_HOST=host_of(school_a))
    with inside(school_a):
        client.force_login(user)
    home = client.get("/").content.decode()
    assert 'class="h5-tabbar__badge"' in home and ">2</b>" in home
    me = client.get("/accounts/me/").content.decode()
    assert "/messages/" in me and "2 条未读" in me
    # Read them all: the badge goes away.
    client.post("/messages/read-all/")
    assert 'class="h5-tabbar__badge"' not in client.get("/").content.decode()
    # Beta's visitors see nothing of alpha's notices.
    assert 'class="h5-tabbar__badge"' not in Client(HTTP_HOST=host_of(school_b)).get("/").content.decode()
