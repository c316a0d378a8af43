"""The UI is Chinese unless the visitor chose English, whatever the browser asks for."""


def test_browser_asking_for_english_still_gets_chinese(platform_client):
    response = platform_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"


def test_english_switch_is_honoured(platform_client):
    response = platform_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    response = platform_client.get("/")
    assert response.headers["Content-Language"] == "en"


def test_switch_on_a_school_host(client_a):
    assert client_a.get("/").headers["Content-Language"] == "zh-hans"
    client_a.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client_a.get("/").headers["Content-Language"] == "en"
