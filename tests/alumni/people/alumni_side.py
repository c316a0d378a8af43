"""Helpers for the alumni-side tests (claims, privacy, directory, cards, API): records, accounts,
logged-in clients. Plain functions, used inside ``inside(school)`` unless they say otherwise."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.test import Client

from alumni.accounts.services import auth_token_issue
from alumni.people.choices import DegreeLevel, Verification
from alumni.people.models import AccountLink, College, CollegeAlias, Major, Person
from alumni.people.search import reindex_persons
from alumni.people.services.records import person_create
from tests.conftest import host_of, inside

PASSWORD = "Xiaoyou-2024!"
_counter = iter(range(10_000, 99_999))


def make_user(*, name: str = "张校友", phone: str | None = None, email: str = "", is_superuser: bool = False):
    if phone is None and not email:
        phone = f"139{next(_counter):08d}"
    user = get_user_model()(
        username=phone or email, name=name, phone=phone, email=email, is_superuser=is_superuser
    )
    if is_superuser:
        user.is_staff = True
    user.set_password(PASSWORD)
    user.save()
    return user


def college(name: str, *aliases: str) -> College:
    found, _ = College.objects.get_or_create(name=name)
    for alias in aliases:
        CollegeAlias.objects.get_or_create(name=alias, defaults={"college": found})
    return found


def major(college_obj: College, name: str) -> Major:
    found, _ = Major.objects.get_or_create(college=college_obj, name=name)
    return found


def record(
    name: str,
    *,
    college_obj: College | None = None,
    start: int | None = 2010,
    end: int | None = 2014,
    number: str = "",
    birth: date | None = None,
    verification: str = Verification.OFFICIAL,
    level: str = DegreeLevel.BACHELOR,
    major_obj: Major | None = None,
    class_name: str = "",
    college_raw: str = "",
    **fields,
) -> Person:
    """An official record (from the school's data) with one degree."""
    degree = {
        "level": level,
        "college": college_obj,
        "college_name_raw": college_raw or (college_obj.name if college_obj else ""),
        "major": major_obj,
        "class_name": class_name,
        "student_number": number,
        "enrollment_year": start,
        "graduation_year": end,
    }
    return person_create(name=name, birth_date=birth, verification=verification, degrees=[degree], **fields)


def verified_alumnus(name: str, **kwargs) -> tuple[Person, object]:
    """A verified record with a linked account (as after a successful claim)."""
    person = record(name, verification=Verification.VERIFIED, **kwargs)
    user = make_user(name=name)
    AccountLink.objects.create(user=user, person=person)
    return person, user


def index(*persons: Person) -> None:
    reindex_persons([p.pk for p in persons])


def h5_client(school, user=None) -> Client:
    client = Client(HTTP_HOST=host_of(school))
    if user is not None:
        with inside(school):
            client.force_login(user)
    return client


def api_client(school, user=None) -> Client:
    """A client sending ``Authorization: Bearer <token>`` for ``user`` (anonymous when None)."""
    if user is None:
        return Client(HTTP_HOST=host_of(school))
    with inside(school):
        token = auth_token_issue(user=user).key
    return Client(HTTP_HOST=host_of(school), HTTP_AUTHORIZATION=f"Bearer {token}")
