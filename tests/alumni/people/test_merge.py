"""Merging two records: chosen values, unions, moved relations, tombstone, audit, races."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from alumni.core.models import AuditEntry
from alumni.people.errors import MergeInvalid
from alumni.people.models import AccountLink, AlumniGroup, CardExchange, Claim, Degree, Person
from alumni.people.selectors.records import person_resolve
from alumni.people.services.merge import person_merge
from alumni.people.signals import persons_changed
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import make_person
from tests.conftest import inside

MERGE = "/admin/people/duplicates/merge/"


def _user(username):
    return get_user_model().objects.create_user(username=username, name=username)


@pytest.fixture
def pair(colleges_a, admin_a):
    computer, law = colleges_a["computer"], colleges_a["law"]
    survivor = make_person(
        name="张伟",
        phones=["13900000001"],
        emails=["a@example.com"],
        tags=["理事"],
        company="甲公司",
        degrees=[
            {
                "level": "bachelor",
                "college": computer,
                "enrollment_year": 2008,
                "graduation_year": 2012,
                "student_number": "S1",
            }
        ],
    )
    other = make_person(
        name="张伟",
        phones=["13900000002", "13900000001"],
        emails=["b@example.com"],
        tags=["捐赠人"],
        company="乙公司",
        birth_date=date(1990, 1, 1),
        id_number="110105199001011234",
        is_vip=True,
        degrees=[
            {
                "level": "bachelor",
                "college": computer,
                "enrollment_year": 2008,
                "graduation_year": 2012,
                "class_name": "计科1班",
            },
            {"level": "master", "college": law, "enrollment_year": 2012, "graduation_year": 2015},
        ],
    )
    g1, g2 = AlumniGroup.objects.create(name="理事会"), AlumniGroup.objects.create(name="校庆嘉宾")
    survivor.groups.add(g1)
    other.groups.add(g2)
    AccountLink.objects.create(user=_user("u-survivor"), person=survivor)
    AccountLink.objects.create(user=_user("u-other"), person=other)
    claim = Claim.objects.create(
        user=_user("u-claim"), method="student_number", name="张伟", person=other, status="approved"
    )
    friend = make_person(name="李娜")
    CardExchange.objects.create(requester=other, recipient=friend, status="accepted")
    CardExchange.objects.create(requester=other, recipient=survivor)
    CardExchange.objects.create(requester=friend, recipient=survivor, status="declined")
    CardExchange.objects.create(requester=friend, recipient=other, status="accepted")
    return {"survivor": survivor, "other": other, "claim": claim, "friend": friend, "groups": (g1, g2)}


@pytest.mark.django_db
def test_merge_keeps_everything(pair, admin_a, django_capture_on_commit_callbacks):
    survivor, other, friend = pair["survivor"], pair["other"], pair["friend"]
    seen = []

    def receiver(sender, schema, person_ids, **kwargs):
        seen.append((schema, person_ids))

    persons_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            person_merge(survivor=survivor, other=other, field_choices={"company": "other"}, actor=admin_a)
    finally:
        persons_changed.disconnect(receiver)
    survivor.refresh_from_db()
    other.refresh_from_db()
    assert survivor.company == "乙公司"  # chosen
    assert survivor.birth_date == date(1990, 1, 1)  # empty on the survivor: filled
    assert survivor.id_number == "110105199001011234"
    assert survivor.phones == ["13900000001", "13900000002"]
    assert survivor.emails == ["a@example.com", "b@example.com"]
    assert survivor.tags == ["理事", "捐赠人"]
    assert survivor.is_vip
    degrees = sorted(survivor.degrees.values_list("level", "student_number", "class_name"))
    assert degrees == [("bachelor", "S1", "计科1班"), ("master", "", "")]
    assert Degree.objects.filter(person=other).count() == 0
    assert set(survivor.groups.values_list("name", flat=True)) == {"理事会", "校庆嘉宾"}
    assert set(AccountLink.objects.filter(person=survivor).values_list("user__username", flat=True)) == {
        "u-survivor",
        "u-other",
    }
    assert Claim.objects.get(pk=pair["claim"].pk).person == survivor
    cards = set(CardExchange.objects.values_list("requester__name", "recipient__name", "status"))
    # other→survivor became a card to oneself: gone; friend→survivor (declined) and friend→other
    # (accepted) collapse into the accepted one.
    assert cards == {("张伟", "李娜", "accepted"), ("李娜", "张伟", "accepted")}
    assert CardExchange.objects.filter(requester=friend, recipient=survivor, status="accepted").exists()
    # The other record is a tombstone that resolves to the survivor and no longer matches lookups.
    assert other.merged_into == survivor and other.phones == [] and other.id_number_digest == ""
    assert person_resolve(other.public_id) == survivor
    entry = AuditEntry.objects.get(action="person.merge")
    assert entry.actor == admin_a and entry.object_id == str(survivor.pk)
    assert entry.before["other"]["company"] == "乙公司" and entry.before["survivor"]["company"] == "甲公司"
    assert entry.before["other"]["id_number"] == "110105********1234"
    assert seen == [(connection.schema_name, sorted([survivor.pk, other.pk]))]


@pytest.mark.django_db
def test_merge_refuses_self_merged_and_unknown_fields(pair, admin_a):
    survivor, other = pair["survivor"], pair["other"]
    with pytest.raises(MergeInvalid):
        person_merge(survivor=survivor, other=survivor, field_choices={}, actor=admin_a)
    with pytest.raises(MergeInvalid):
        person_merge(survivor=survivor, other=other, field_choices={"phones": "other"}, actor=admin_a)
    person_merge(survivor=survivor, other=other, field_choices={}, actor=admin_a)
    with pytest.raises(MergeInvalid):
        person_merge(survivor=other, other=survivor, field_choices={}, actor=admin_a)


@pytest.mark.django_db
def test_merge_screen(pair, school_a, admin_client_a, clerk_client_a, editor_client_a):
    survivor, other = pair["survivor"], pair["other"]
    url = f"{MERGE}{survivor.pk}/{other.pk}/"
    page = admin_client_a.get(url).content.decode()
    assert "甲公司" in page and "乙公司" in page and "110105199001011234" in page
    assert "110105199001011234" not in clerk_client_a.get(url).content.decode()
    assert editor_client_a.post(url, {"survivor": "right"}).status_code in (302, 403)
    # Keep the right-hand record (other), but the left's company.
    response = admin_client_a.post(url, {"survivor": "right", "f_company": "left", "f_name": "left"})
    assert response.status_code == 302 and response["Location"].endswith(f"/inspect/{other.pk}/")
    with inside(school_a):
        other.refresh_from_db()
        assert other.company == "甲公司" and other.merged_into_id is None
        assert Person.objects.get(pk=survivor.pk).merged_into_id == other.pk
    # The old record's page now leads to the survivor.
    old = admin_client_a.get(f"/admin/people/records/inspect/{survivor.pk}/")
    assert old.status_code == 302 and old["Location"].endswith(f"/inspect/{other.pk}/")
    # Merging again is refused with a message, not an error page.
    again = admin_client_a.post(url, {"survivor": "left"}, follow=True)
    assert again.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_admins_merging_at_once(school_a):
    """Two admins merge the same pair in opposite directions at the same moment: one wins, the
    other gets a conflict, and nothing of either record is lost."""
    with inside(school_a):
        admin = get_user_model().objects.get(email="admin@alpha.edu.cn")
        a = make_person(
            name="并发甲", phones=["13911110001"], degrees=[{"level": "bachelor", "enrollment_year": 2001}]
        )
        b = make_person(
            name="并发甲", phones=["13911110002"], degrees=[{"level": "master", "enrollment_year": 2005}]
        )
    barrier = threading.Barrier(2)
    outcomes = []

    def merge(survivor_id, other_id):
        try:
            with schema_context(school_a.schema_name):
                connection.tenant = school_a
                survivor, other = Person.objects.get(pk=survivor_id), Person.objects.get(pk=other_id)
                barrier.wait(timeout=10)
                person_merge(survivor=survivor, other=other, field_choices={}, actor=admin)
                outcomes.append(("merged", survivor_id))
        except MergeInvalid:
            outcomes.append(("conflict", survivor_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=merge, args=args) for args in ((a.pk, b.pk), (b.pk, a.pk))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    try:
        assert sorted(kind for kind, _ in outcomes) == ["conflict", "merged"]
        winner_id = next(pk for kind, pk in outcomes if kind == "merged")
        loser_id = b.pk if winner_id == a.pk else a.pk
        with inside(school_a):
            winner, loser = Person.objects.get(pk=winner_id), Person.objects.get(pk=loser_id)
            assert loser.merged_into_id == winner.pk and winner.merged_into_id is None
            assert sorted(winner.phones) == ["13911110001", "13911110002"]
            assert sorted(winner.degrees.values_list("level", flat=True)) == ["bachelor", "master"]
            assert AuditEntry.objects.filter(action="person.merge", object_id=str(winner.pk)).count() == 1
    finally:
        # Committed rows outlive a transactional test in the school's schema: remove them.
        with inside(school_a):
            Person.objects.filter(pk__in=[a.pk, b.pk]).update(merged_into=None)
            Person.objects.filter(pk__in=[a.pk, b.pk]).delete()
            AuditEntry.objects.filter(
                object_type="people.person", object_id__in=[str(a.pk), str(b.pk)]
            ).delete()
