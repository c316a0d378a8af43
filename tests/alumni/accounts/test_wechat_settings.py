"""The school's WeChat settings in the back office: per school, secrets write-only, audited."""

from __future__ import annotations

import pytest

from alumni.accounts.models import WeChatSettings
from alumni.core.models import AuditEntry
from tests.alumni.accounts.conftest import MINI_A, OFFICIAL_A, PASSWORD, make_user
from tests.conftest import ADMIN_PASSWORD, inside

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/admin/settings/accounts/wechatsettings/"


def admin_login(client, email):
    response = client.post("/accounts/login/", {"username": email, "password": ADMIN_PASSWORD})
    assert response.status_code == 302


def edit_url(client) -> str:
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    return response["Location"]


def save(client, url, **fields):
    data = {
        "official_app_id": "",
        "official_app_secret": "",
        "miniprogram_app_id": "",
        "miniprogram_app_secret": "",
        **fields,
    }
    return client.post(url, data)


def stored(school) -> WeChatSettings | None:
    with inside(school):
        return WeChatSettings.objects.first()


def test_admin_saves_settings_and_secret_is_never_shown_back(client_a, school_a):
    admin_login(client_a, "admin@alpha.edu.cn")
    assert SETTINGS_URL in client_a.get("/admin/").content.decode()  # listed in the 设置 menu
    url = edit_url(client_a)
    page = client_a.get(url).content.decode()
    assert "微信配置" in page and "公众号 AppID" in page and "小程序 AppSecret" in page
    response = save(
        client_a,
        url,
        official_app_id=OFFICIAL_A[0],
        official_app_secret=OFFICIAL_A[1],
        miniprogram_app_id=MINI_A[0],
        miniprogram_app_secret=MINI_A[1],
    )
    assert response.status_code == 302
    config = stored(school_a)
    assert (config.official_app_id, config.official_app_secret) == OFFICIAL_A
    assert (config.miniprogram_app_id, config.miniprogram_app_secret) == MINI_A

    page = client_a.get(url).content.decode()
    assert OFFICIAL_A[0] in page  # AppIDs are public
    assert OFFICIAL_A[1] not in page and MINI_A[1] not in page
    assert "0123******cdef" in page  # masked hint

    # Saving again with the secret fields left empty keeps the stored secrets.
    save(client_a, url, official_app_id=OFFICIAL_A[0], miniprogram_app_id=MINI_A[0])
    assert stored(school_a).official_app_secret == OFFICIAL_A[1]
    assert stored(school_a).miniprogram_app_secret == MINI_A[1]


def test_settings_change_is_audited_with_masked_secrets(client_a, school_a):
    admin_login(client_a, "admin@alpha.edu.cn")
    url = edit_url(client_a)
    save(client_a, url, official_app_id=OFFICIAL_A[0], official_app_secret=OFFICIAL_A[1])
    with inside(school_a):
        entry = AuditEntry.objects.get(action="wechat_settings.edit")
    assert entry.actor_label == "阿大管理员"
    assert entry.after["official_app_id"] == OFFICIAL_A[0]
    assert entry.after["official_app_secret"] == "0123******cdef"
    assert OFFICIAL_A[1] not in str(entry.before) + str(entry.after)
    assert "公众号 AppID" in entry.summary


def test_bad_app_id_or_missing_secret_is_explained(client_a, school_a):
    admin_login(client_a, "admin@alpha.edu.cn")
    url = edit_url(client_a)
    page = save(client_a, url, official_app_id="12345").content.decode()
    assert "AppID 格式不正确" in page
    page = save(client_a, url, miniprogram_app_id=MINI_A[0]).content.decode()
    assert "填写了 AppID 时必须填写 AppSecret" in page
    config = stored(school_a)
    assert config is None or not config.official_app_id


def test_settings_are_per_school(client_a, client_b, school_a, school_b):
    admin_login(client_a, "admin@alpha.edu.cn")
    save(client_a, edit_url(client_a), official_app_id=OFFICIAL_A[0], official_app_secret=OFFICIAL_A[1])
    admin_login(client_b, "admin@beta.edu.cn")
    page = client_b.get(edit_url(client_b)).content.decode()
    assert OFFICIAL_A[0] not in page
    assert client_b.get("/api/v1/school/").json()["wechat_login"]["official"] is False
    assert client_a.get("/api/v1/school/").json()["wechat_login"]["official"] is True


def test_alumnus_cannot_open_settings(client_a, school_a):
    make_user(school_a, phone="13800138000")
    client_a.post("/accounts/login/", {"username": "13800138000", "password": PASSWORD})
    response = client_a.get(SETTINGS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
