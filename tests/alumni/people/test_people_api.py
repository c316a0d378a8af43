"""The alumni API for the mini-program: claim, my record, privacy, degrees, directory, facets,
person cards and business cards — per role and per school."""

from __future__ import annotations

import json

import pytest

from alumni.people.models import AccountLink, CardExchange
from tests.alumni.people.alumni_side import (
    api_client,
    college,
    index,
    major,
    make_user,
    record,
    verified_alumnus,
)
from tests.conftest import inside

V1 = "/api/v1/alumni/"


def post(client, path, data=None):
    return client.post(V1 + path, json.dumps(data or {}), content_type="application/json")


def patch(client, path, data):
    return client.patch(V1 + path, json.dumps(data), content_type="application/json")


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


def test_anonymous_gets_401_everywhere(client_a):
    for path in ("claim/", "me/", "me/privacy/", "directory/", "directory/facets/", "cards/", "persons/abc/"):
        assert_error(client_a.get(V1 + path), 401, "not_authenticated")
    assert_error(client_a.get("/api/v1/colleges/"), 401, "not_authenticated")


def test_claim_submit_and_status(school_a):
    with inside(school_a):
        cs = college("计算机科学与技术学院", "计算机系")
        person = record("API校友", college_obj=cs, number="S-1")
        user = make_user(name="API校友")
        waiting = make_user(name="等待")
    client = api_client(school_a, user)
    assert client.get(V1 + "claim/").json() == {"verified": False, "person": None, "claim": None}
    colleges = client.get("/api/v1/colleges/").json()
    assert colleges == [{"id": cs.pk, "name": "计算机科学与技术学院", "aliases": ["计算机系"]}]

    response = post(
        client, "claim/", {"method": "student_number", "name": "API校友", "student_number": "S-1"}
    )
    assert response.status_code == 201 and response.json()["status"] == "approved"
    assert response.json()["person"] == person.public_id
    status = client.get(V1 + "claim/").json()
    assert status["verified"] is True and status["person"] == person.public_id
    assert_error(
        post(client, "claim/", {"method": "student_number", "name": "API校友", "student_number": "S-1"}),
        409,
        "already_verified",
    )

    other = api_client(school_a, waiting)
    response = post(
        other,
        "claim/",
        {
            "method": "profile",
            "name": "等待",
            "enrollment_year": 2000,
            "college_name": "计算机系",
            "birth_date": "1980-01-01",
        },
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert response.json()["college"] == "计算机科学与技术学院"
    assert_error(
        post(other, "claim/", {"method": "student_number", "name": "等待", "student_number": "1"}),
        409,
        "claim_pending",
    )
    assert_error(other.get(V1 + "directory/"), 403, "not_verified")
    assert_error(other.get(V1 + "me/"), 403, "not_verified")


def test_claim_input_errors(school_a):
    with inside(school_a):
        user = make_user()
    client = api_client(school_a, user)
    assert_error(
        post(client, "claim/", {"method": "profile", "name": "某", "enrollment_year": 2000}),
        400,
        "claim_invalid",
    )
    assert_error(post(client, "claim/", {"method": "nope", "name": "某"}), 400, "invalid")


def test_my_record_contact_privacy_and_degrees(school_a):
    with inside(school_a):
        cs = college("计算机科学与技术学院")
        se = major(cs, "软件工程")
        person, user = verified_alumnus("档案主人", college_obj=cs)
    client = api_client(school_a, user)
    me = client.get(V1 + "me/").json()
    assert me["public_id"] == person.public_id and me["privacy"]["phone"] == "nobody"
    assert me["degrees"][0]["college"] == "计算机科学与技术学院"

    response = patch(
        client, "me/", {"phones": ["+86 139-1234-5678"], "company": "字节跳动", "industry": "互联网"}
    )
    assert response.status_code == 200
    assert response.json()["phones"] == ["13912345678"] and response.json()["company"] == "字节跳动"
    assert_error(patch(client, "me/", {"phones": ["123"]}), 400, "invalid")
    with inside(school_a):
        person.refresh_from_db()
        assert person.company == "字节跳动"  # the office sees it: it is on the record
        from alumni.core.models import AuditEntry

        assert AuditEntry.objects.filter(action="person.self_update", object_id=str(person.pk)).exists()

    response = patch(client, "me/privacy/", {"phone": "alumni", "company": "everyone"})
    assert (
        response.status_code == 200
        and response.json()["phone"] == "alumni"
        and response.json()["email"] == "chapters"
    )
    assert_error(patch(client, "me/privacy/", {"phone": "world"}), 400, "invalid")

    response = post(
        client,
        "me/degrees/",
        {
            "level": "master",
            "college_id": cs.pk,
            "major_name": "软件工程",
            "enrollment_year": 2014,
            "graduation_year": 2017,
        },
    )
    assert (
        response.status_code == 201
        and response.json()["source"] == "self"
        and response.json()["major"] == "软件工程"
    )
    with inside(school_a):
        assert person.degrees.get(level="master").major == se
    assert_error(
        post(client, "me/degrees/", {"level": "master", "enrollment_year": 2014, "graduation_year": 2010}),
        400,
        "record_invalid",
    )


@pytest.fixture
def alumni_a(school_a):
    with inside(school_a):
        cs = college("计算机科学与技术学院")
        se = major(cs, "软件工程")
        me, me_user = verified_alumnus("我自己", college_obj=college("法学院"))
        zhang, zhang_user = verified_alumnus(
            "张伟",
            college_obj=cs,
            major_obj=se,
            start=2008,
            class_name="软件0801",
            company="腾讯科技",
            city="深圳",
            industry="互联网",
            phones=["13812345678"],
        )
        from alumni.people.services.records import person_set_privacy

        person_set_privacy(person=zhang, choices={"phone": "alumni"})
        index(me, zhang)
    return {"me": me, "me_user": me_user, "zhang": zhang, "zhang_user": zhang_user, "cs": cs, "se": se}


def test_directory_search_facets_and_cards(school_a, alumni_a):
    client = api_client(school_a, alumni_a["me_user"])
    body = client.get(V1 + "directory/", {"q": "zw"}).json()
    assert body["total"] == 1 and body["offset"] == 0 and body["limit"] == 20
    card = body["results"][0]
    assert card["name"] == "张伟" and card["public_id"] == alumni_a["zhang"].public_id
    assert card["phones"] == ["138****5678"] and card["relation"] == "alumni"
    assert "id" not in card and "emails" not in card and "birth_date" not in card
    assert (
        client.get(V1 + "directory/", {"college_id": alumni_a["cs"].pk, "enrollment_year": 2008}).json()[
            "total"
        ]
        == 1
    )
    assert client.get(V1 + "directory/", {"city": "北京"}).json()["total"] == 0
    assert_error(client.get(V1 + "directory/", {"limit": 500}), 400, "invalid")

    facets = client.get(V1 + "directory/facets/").json()
    assert {(i["name"], i["count"]) for i in facets["items"]} == {("计算机科学与技术学院", 1), ("法学院", 1)}
    majors = client.get(V1 + "directory/facets/", {"college_id": alumni_a["cs"].pk}).json()
    assert majors["level"] == "majors" and majors["items"][0]["name"] == "软件工程"
    classes = client.get(
        V1 + "directory/facets/", {"college_id": alumni_a["cs"].pk, "major_id": alumni_a["se"].pk}
    ).json()
    assert classes["classes"] == [{"name": "软件0801", "count": 1}] and classes["years"] == [
        {"year": 2008, "count": 1}
    ]

    person = client.get(V1 + f"persons/{alumni_a['zhang'].public_id}/").json()
    assert (
        person["company"] == "腾讯科技"
        and person["phones"] == ["138****5678"]
        and person["phones_masked"] is True
    )
    assert_error(client.get(V1 + f"persons/{alumni_a['zhang'].pk}/"), 404, "person_not_found")


def test_card_exchange_endpoints(school_a, alumni_a):
    me = api_client(school_a, alumni_a["me_user"])
    zhang = api_client(school_a, alumni_a["zhang_user"])
    zhang_id, me_id = alumni_a["zhang"].public_id, alumni_a["me"].public_id

    assert_error(post(me, "cards/", {"public_id": me_id}), 400, "card_invalid")
    response = post(me, "cards/", {"public_id": zhang_id, "message": "你好"})
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert_error(post(me, "cards/", {"public_id": zhang_id}), 409, "card_duplicate")
    assert_error(post(me, "cards/", {"public_id": "nosuchperson"}), 404, "person_not_found")
    assert_error(post(me, f"cards/{zhang_id}/accept/"), 400, "card_not_found")  # not mine to accept

    inbox = zhang.get(V1 + "cards/").json()
    assert [r["person"]["name"] for r in inbox["received"]] == ["我自己"] and inbox["received"][0][
        "message"
    ] == "你好"
    response = post(zhang, f"cards/{me_id}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"

    mine = me.get(V1 + "cards/").json()
    assert mine["received"] == [] and mine["sent"] == []
    assert mine["partners"][0]["phones"] == ["13812345678"]
    assert me.get(V1 + f"persons/{zhang_id}/").json()["phones"] == ["13812345678"]
    assert me.get(V1 + "directory/", {"q": "zw"}).json()["results"][0]["phones"] == [
        "138****5678"
    ]  # lists mask
    assert_error(post(zhang, f"cards/{me_id}/decline/"), 400, "card_not_found")


def test_api_isolation_between_schools(school_a, school_b, alumni_a):
    with inside(school_b):
        beta_person, beta_user = verified_alumnus("贝塔校友")
        index(beta_person)
    beta = api_client(school_b, beta_user)
    assert beta.get(V1 + "directory/", {"q": "zw"}).json()["total"] == 0
    assert_error(beta.get(V1 + f"persons/{alumni_a['zhang'].public_id}/"), 404, "person_not_found")
    assert_error(post(beta, "cards/", {"public_id": alumni_a["zhang"].public_id}), 404, "person_not_found")
    # An alpha token is not valid at beta.
    alpha_token_client = api_client(school_a, alumni_a["me_user"])
    token = alpha_token_client.defaults["HTTP_AUTHORIZATION"]
    from django.test import Client

    assert_error(
        Client(HTTP_HOST="beta.localhost", HTTP_AUTHORIZATION=token).get(V1 + "me/"),
        401,
        "authentication_failed",
    )
    with inside(school_a):
        assert (
            not CardExchange.objects.exists()
            and AccountLink.objects.filter(person=alumni_a["zhang"]).count() == 1
        )


def test_schema_documents_the_alumni_endpoints(client_a):
    paths = client_a.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "/api/v1/alumni/claim/",
        "/api/v1/alumni/directory/",
        "/api/v1/alumni/persons/{public_id}/",
        "/api/v1/alumni/cards/{public_id}/accept/",
    ):
        assert path in paths
