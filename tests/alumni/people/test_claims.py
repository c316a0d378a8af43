"""Registration claims: instant verification on one free match, the review queue, admin decisions,
double submission and two admins deciding at once, the H5 pages, and isolation between schools."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory

from alumni.core.models import AuditEntry
from alumni.core.todos import todo_items
from alumni.people.choices import DatePrecision, RecordSource, Verification
from alumni.people.errors import AlreadyVerified, ClaimDecided, ClaimInvalid, ClaimPending
from alumni.people.models import AccountLink, Claim, Person
from alumni.people.selectors.claims import claim_candidates, claims_pending
from alumni.people.services.claims import claim_approve, claim_create_person, claim_reject, claim_submit
from tests.alumni.people.alumni_side import college, h5_client, make_user, record
from tests.conftest import inside

BIRTH = date(1992, 5, 17)


def admin_of(school_domain: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=f"admin@{school_domain}.edu.cn")


def test_name_and_student_number_verify_at_once(in_school_a):
    cs = college("计算机科学与技术学院")
    person = record("王小明", college_obj=cs, number="2010110123", birth=BIRTH)
    user = make_user(name="王小明")

    claim = claim_submit(user=user, method="student_number", name=" 王小明 ", student_number="2010 110123")

    assert claim.status == Claim.Status.APPROVED
    assert claim.person == person
    assert AccountLink.objects.get(user=user).person == person
    person.refresh_from_db()
    assert person.verification == Verification.VERIFIED
    assert AuditEntry.objects.filter(action="claim.auto_verify", object_id=str(claim.pk)).exists()


def test_profile_method_accepts_a_former_college_name_and_month_precision(in_school_a):
    cs = college("计算机科学与技术学院", "计算机系")
    person = record("李娜", college_obj=cs, start=2001, end=2005)
    Person.objects.filter(pk=person.pk).update(
        birth_date=date(1983, 12, 1), birth_date_precision=DatePrecision.MONTH
    )
    user = make_user(name="李娜")

    claim = claim_submit(
        user=user,
        method="profile",
        name="李娜",
        enrollment_year=2001,
        college_name="计算机系",
        birth_date=date(1983, 12, 24),
    )

    assert claim.status == Claim.Status.APPROVED
    assert claim.person == person
    assert claim.college == cs


def test_a_degree_with_an_unmapped_raw_college_name_still_matches(in_school_a):
    person = record("周强", college_obj=None, college_raw="电子系", start=1998, end=2002, birth=BIRTH)
    user = make_user(name="周强")
    claim = claim_submit(
        user=user,
        method="profile",
        name="周强",
        enrollment_year=1998,
        college_name="电子系",
        birth_date=BIRTH,
    )
    assert claim.person == person and claim.status == Claim.Status.APPROVED


def test_no_match_waits_for_review_with_suggestions(in_school_a):
    cs = college("计算机科学与技术学院")
    namesake = record("陈晨", college_obj=cs, number="111")
    user = make_user(name="陈晨")

    claim = claim_submit(user=user, method="student_number", name="陈晨", student_number="999")

    assert claim.status == Claim.Status.PENDING
    assert claim.candidates == []
    assert claim_candidates(claim) == [namesake]  # same-name records as suggestions
    assert list(claims_pending()) == [claim]
    assert not AccountLink.objects.filter(user=user).exists()


def test_several_matches_wait_for_review_with_the_candidates(in_school_a):
    cs = college("计算机科学与技术学院")
    first = record("刘洋", college_obj=cs, start=2008, birth=BIRTH)
    second = record("刘洋", college_obj=cs, start=2008, birth=BIRTH, level="master")
    user = make_user(name="刘洋")

    claim = claim_submit(
        user=user, method="profile", name="刘洋", enrollment_year=2008, college=cs.pk, birth_date=BIRTH
    )

    assert claim.status == Claim.Status.PENDING
    assert sorted(claim.candidates) == sorted([first.pk, second.pk])
    assert {p.pk for p in claim_candidates(claim)} == {first.pk, second.pk}


def test_a_record_already_linked_to_another_account_is_never_linked_twice(in_school_a):
    cs = college("计算机科学与技术学院")
    person = record("赵磊", college_obj=cs, number="2012001")
    claim_submit(user=make_user(name="赵磊"), method="student_number", name="赵磊", student_number="2012001")

    other = make_user(name="赵磊")
    claim = claim_submit(user=other, method="student_number", name="赵磊", student_number="2012001")

    assert claim.status == Claim.Status.PENDING
    assert claim.candidates == [person.pk]
    assert person.accounts.count() == 1
    assert not AccountLink.objects.filter(user=other).exists()


def test_self_reported_records_waiting_for_review_are_not_claimable(in_school_a):
    survivor = record("孙悦", number="A1", verification=Verification.PENDING)
    user = make_user(name="孙悦")
    claim = claim_submit(user=user, method="student_number", name="孙悦", student_number="A1")
    assert claim.status == Claim.Status.PENDING and claim.candidates == []
    assert survivor.accounts.count() == 0


def test_one_pending_claim_per_account(in_school_a):
    user = make_user(name="吴敏")
    claim_submit(user=user, method="student_number", name="吴敏", student_number="1")
    with pytest.raises(ClaimPending):
        claim_submit(user=user, method="student_number", name="吴敏", student_number="2")
    # The database holds the line even if a caller skipped the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(user=user, method="student_number", name="吴敏", student_number="3")


def test_a_verified_account_cannot_claim_again(in_school_a):
    record("郑洁", number="77")
    user = make_user(name="郑洁")
    claim_submit(user=user, method="student_number", name="郑洁", student_number="77")
    with pytest.raises(AlreadyVerified):
        claim_submit(user=user, method="student_number", name="郑洁", student_number="77")


@pytest.mark.parametrize(
    ("method", "data", "field"),
    [
        ("student_number", {"name": "", "student_number": "1"}, "name"),
        ("student_number", {"name": "甲"}, "student_number"),
        ("profile", {"name": "甲", "college_name": "法学院", "birth_date": BIRTH}, "enrollment_year"),
        ("profile", {"name": "甲", "enrollment_year": 2010, "birth_date": BIRTH}, "college"),
        ("profile", {"name": "甲", "enrollment_year": 2010, "college_name": "法学院"}, "birth_date"),
        (
            "profile",
            {"name": "甲", "enrollment_year": 1800, "college_name": "法学院", "birth_date": BIRTH},
            "enrollment_year",
        ),
        ("magic", {"name": "甲"}, "method"),
    ],
)
def test_incomplete_claims_are_refused_with_the_field(in_school_a, method, data, field):
    with pytest.raises(ClaimInvalid) as caught:
        claim_submit(user=make_user(), method=method, **data)
    assert caught.value.field == field
    assert not Claim.objects.exists()


def test_admin_links_a_pending_claim_to_a_record(in_school_a):
    admin = admin_of("alpha")
    person = record("黄河", number="X1")
    user = make_user(name="黄河")
    claim = claim_submit(user=user, method="student_number", name="黄河", student_number="wrong")

    claim = claim_approve(claim=claim, person=person, actor=admin)

    assert claim.status == Claim.Status.APPROVED and claim.reviewer == admin and claim.decided_at
    assert AccountLink.objects.get(user=user).person == person
    person.refresh_from_db()
    assert person.verification == Verification.VERIFIED
    entry = AuditEntry.objects.get(action="claim.approve")
    assert entry.actor == admin and person.public_id in entry.summary
    with pytest.raises(ClaimDecided):
        claim_reject(claim=claim, reason="太晚了", actor=admin)


def test_admin_creates_a_record_from_a_claim(in_school_a):
    admin = admin_of("alpha")
    law = college("法学院", "法律系")
    user = make_user(name="林海", phone="13912345678")
    claim = claim_submit(
        user=user,
        method="profile",
        name="林海",
        enrollment_year=2015,
        college_name="法律系",
        birth_date=BIRTH,
        major_name="法学",
        graduation_year=2019,
    )
    assert claim.status == Claim.Status.PENDING

    claim = claim_create_person(claim=claim, actor=admin)

    person = claim.person
    assert person.verification == Verification.VERIFIED and person.source == RecordSource.SELF
    assert person.phones == ["13912345678"] and person.birth_date == BIRTH
    degree = person.degrees.get()
    assert (degree.college, degree.enrollment_year, degree.graduation_year, degree.major_name) == (
        law,
        2015,
        2019,
        "法学",
    )
    assert degree.source == RecordSource.SELF
    assert AccountLink.objects.get(user=user).person == person
    assert AuditEntry.objects.filter(action="claim.create_person", actor=admin).exists()


def test_admin_rejects_with_a_reason(in_school_a):
    admin = admin_of("alpha")
    user = make_user(name="马丽")
    claim = claim_submit(user=user, method="student_number", name="马丽", student_number="0")
    with pytest.raises(ClaimInvalid):
        claim_reject(claim=claim, reason="  ", actor=admin)

    claim = claim_reject(claim=claim, reason="学号与姓名不符，请核对", actor=admin)

    assert claim.status == Claim.Status.REJECTED and claim.reject_reason == "学号与姓名不符，请核对"
    assert AuditEntry.objects.filter(action="claim.reject", actor=admin).exists()
    # A rejected claim no longer blocks a new one.
    again = claim_submit(user=user, method="student_number", name="马丽", student_number="1")
    assert again.status == Claim.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_two_admins_deciding_one_claim_at_once_exactly_one_wins(school_a):
    """Two threads, two connections: approve and reject race; the row lock lets one through."""
    with inside(school_a):
        admin = admin_of("alpha")
        person = record("并发", number="RACE-1")
        user = make_user(name="并发")
        claim = claim_submit(user=user, method="student_number", name="并发", student_number="nope")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(action):
        try:
            with inside(school_a):
                barrier.wait(timeout=10)
                action()
                outcomes.append("won")
        except ClaimDecided:
            outcomes.append("lost")
        finally:
            connection.close()

    try:
        threads = [
            threading.Thread(
                target=decide, args=(lambda: claim_approve(claim=claim, person=person, actor=admin),)
            ),
            threading.Thread(
                target=decide, args=(lambda: claim_reject(claim=claim, reason="重复", actor=admin),)
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["lost", "won"]
        with inside(school_a):
            claim.refresh_from_db()
            linked = AccountLink.objects.filter(user=user).exists()
            assert (claim.status == Claim.Status.APPROVED) == linked
            assert claim.status in (Claim.Status.APPROVED, Claim.Status.REJECTED)
    finally:
        # Committed rows outlive a transactional test in the school's schema: remove ours.
        with inside(school_a):
            AuditEntry.objects.filter(object_type="people.claim", object_id=str(claim.pk)).delete()
            AuditEntry.objects.filter(object_type="people.person", object_id=str(person.pk)).delete()
            Claim.objects.filter(pk=claim.pk).delete()
            Person.objects.filter(pk=person.pk).delete()
            user.delete()


def test_a_claim_at_alpha_never_matches_a_record_at_beta(school_a, school_b):
    with inside(school_b):
        record("钱坤", number="B-42", birth=BIRTH)
    with inside(school_a):
        user = make_user(name="钱坤")
        claim = claim_submit(user=user, method="student_number", name="钱坤", student_number="B-42")
        assert claim.status == Claim.Status.PENDING and claim.candidates == []
        assert claim_candidates(claim) == []
    with inside(school_b):
        assert not Claim.objects.exists()
        assert Person.objects.get(name="钱坤").verification == Verification.OFFICIAL


def test_dashboard_todo_counts_pending_claims_for_admins_only(in_school_a):
    claim_submit(user=make_user(), method="student_number", name="某某", student_number="1")
    claim_submit(user=make_user(), method="student_number", name="某乙", student_number="2")
    request = RequestFactory().get("/admin/")
    request.user = admin_of("alpha")
    items = [item for item in todo_items(request) if item.label == "待审核的校友认证"]
    assert [(item.count, item.url) for item in items] == [(2, "/admin/people/claims/")]
    request.user = make_user()
    assert not [item for item in todo_items(request) if item.label == "待审核的校友认证"]


# --- H5 ----------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client_a):
    response = client_a.get("/alumni/verify/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_h5_claim_verifies_at_once_and_shows_my_record(school_a):
    with inside(school_a):
        cs = college("计算机科学与技术学院")
        record("何静", college_obj=cs, number="2016001", company="腾讯")
        user = make_user(name="何静")
    client = h5_client(school_a, user)
    page = client.get("/alumni/verify/").content.decode()
    assert "学号认证" in page and "入学信息认证" in page

    response = client.post(
        "/alumni/verify/",
        {"method": "student_number", "name": "何静", "student_number": "2016001", "level": "bachelor"},
    )

    assert response.status_code == 302 and response["Location"] == "/alumni/me/"
    page = client.get("/alumni/me/", follow=True).content.decode()
    assert "认证成功" in page and "何静" in page and "计算机科学与技术学院" in page and "腾讯" in page


def test_h5_pending_then_rejected_shows_the_reason_and_lets_the_alumnus_retry(school_a):
    with inside(school_a):
        college("法学院", "法律系")
        user = make_user(name="许诺")
    client = h5_client(school_a, user)
    response = client.post(
        "/alumni/verify/",
        {
            "method": "profile",
            "name": "许诺",
            "enrollment_year": "2009",
            "college": "法律系",
            "birth_date": "1990-02-03",
            "level": "bachelor",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "审核中" in page and "法学院" in page
    # The form is not offered again while the claim is pending.
    assert 'name="student_number"' not in page
    assert client.get("/alumni/directory/").status_code == 403

    with inside(school_a):
        claim_reject(
            claim=Claim.objects.get(user=user), reason="查无此人，请联系校友会", actor=admin_of("alpha")
        )
    page = client.get("/alumni/verify/").content.decode()
    assert "上次申请未通过" in page and "查无此人，请联系校友会" in page and "提交认证" in page


def test_h5_claim_form_errors_are_in_chinese(school_a):
    with inside(school_a):
        user = make_user()
    client = h5_client(school_a, user)
    page = client.post(
        "/alumni/verify/", {"method": "profile", "name": "某人", "level": "bachelor"}
    ).content.decode()
    assert "请填写入学年份" in page and "请填写出生日期" in page
    with inside(school_a):
        assert not Claim.objects.exists()
