"""Guest badges as the printer receives them: the right page size and count per label size, the
Chinese text extractable (embedded font), the seat and class printed, and a QR code that decodes
to the ticket's current signed payload."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from PIL import Image
from pypdf import PdfReader

from alumni.events.models import SeatPlan, Ticket
from alumni.events.pdf_badges import badges_pdf
from alumni.events.selectors.seating import badge_tickets
from alumni.events.services.seating import seat_plan_generate, seats_auto_assign
from alumni.events.signing import ticket_verify
from alumni.people.choices import DegreeLevel
from alumni.people.models import College, Degree
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import confirmed_party, make_event
from tests.conftest import inside

pytestmark = pytest.mark.django_db

MM = 72 / 25.4


def _admin():
    return get_user_model().objects.get(is_superuser=True, email="admin@alpha.edu.cn")


@pytest.fixture
def seated(etree):
    event = make_event(etree.a, title="2026 年校友返校日")
    seat_plan_generate(event=event, actor=_admin(), kind=SeatPlan.Kind.TABLES, tables=2, seats_per_table=10)
    registration, _ = confirmed_party(event, "欧阳", guests=1)
    person = registration.person
    person.company = "华为技术有限公司"
    person.save(update_fields=["company"])
    college = College.objects.create(name="计算机科学与技术学院")
    Degree.objects.create(
        person=person,
        level=DegreeLevel.BACHELOR,
        college=college,
        enrollment_year=2008,
        class_name="计算机0801",
    )
    for i in range(7):
        confirmed_party(event, f"来宾{i}")
    seats_auto_assign(event=event, actor=_admin())
    return event, person


def _decode_qrs(page) -> list[str]:
    found = []
    for image in page.images:
        picture = Image.open(io.BytesIO(image.data)).convert("L")
        found += [result.text for result in zxingcpp.read_barcodes(picture)]
    return found


@pytest.mark.parametrize(
    ("size", "pages", "page_mm"),
    [("a4_2x4", 2, (210, 297)), ("card_100x70", 9, (100, 70)), ("label_4x6", 9, (101.6, 152.4))],
)
def test_badges_in_each_label_size(seated, size, pages, page_mm):
    event, person = seated
    tickets = badge_tickets(event)
    assert len(tickets) == 9
    pdf = badges_pdf(tickets, size)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)) == page_mm

    text = "".join(page.extract_text() for page in reader.pages)
    first = tickets[0]
    assert first.holder_name == person.name and first.seat.label == "1号桌 1座"
    for expected in (
        person.name,
        "2008级 计算机科学与技术学院 计算机0801",
        "华为技术有限公司",
        "座位 1号桌 1座",
        f"{person.name} 的嘉宾",
        "2026 年校友返校日",
    ):
        assert expected.replace(" ", "") in text.replace(" ", ""), expected
    # The Chinese font travels inside the file (TrueType outlines), not substituted by the viewer.
    assert b"/FontFile2" in pdf and b"STSong" not in pdf

    payloads = [p for page in reader.pages for p in _decode_qrs(page)]
    assert len(payloads) == 9
    decoded = [ticket_verify(p, public_b64=event.verify_key) for p in payloads]
    assert {(d["code"], d["version"]) for d in decoded} == {(t.code, t.version) for t in tickets}


def test_a_moved_guest_gets_a_badge_with_the_new_qr(seated):
    from alumni.events.models import Seat
    from alumni.events.services.seating import seat_assign

    event, _person = seated
    ticket = badge_tickets(event)[0]
    old = ticket_verify(
        _decode_qrs(PdfReader(io.BytesIO(badges_pdf([ticket], "card_100x70"))).pages[0])[0],
        public_b64=event.verify_key,
    )
    free = Seat.objects.filter(plan__event=event, ticket__isnull=True).order_by("sort_key").last()
    seat_assign(ticket=ticket, seat=free, actor=_admin())
    moved = badge_tickets(event, [ticket.pk])
    reader = PdfReader(io.BytesIO(badges_pdf(moved, "card_100x70")))
    new = ticket_verify(_decode_qrs(reader.pages[0])[0], public_b64=event.verify_key)
    assert new["version"] == old["version"] + 1
    assert free.label.replace(" ", "") in reader.pages[0].extract_text().replace(" ", "")


@pytest.mark.parametrize(("role", "ok"), [("school_admin", True), ("member_a", False), ("alumnus", False)])
def test_badge_download_per_role(seated, etree, client_a, role, ok):
    event, _ = seated
    client_a.force_login(etree.users[role])
    response = client_a.get(f"/admin/events/seating/{event.pk}/badges.pdf?size=label_4x6")
    if ok:
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert (
            len(PdfReader(io.BytesIO(response.content)).pages) == Ticket.objects.filter(event=event).count()
        )
    else:
        assert response.status_code in (302, 403)


def test_badge_download_from_another_school_is_not_found(school_b, client_b, seated):
    event, _ = seated
    with inside(school_b):
        client_b.force_login(get_user_model().objects.get(is_superuser=True, email="admin@beta.edu.cn"))
    assert client_b.get(f"/admin/events/seating/{event.pk}/badges.pdf").status_code == 404
