"""The PDF ticket as the holder gets it: Chinese text that extracts, and a QR code that a real
decoder reads from the rendered page and that verifies with the event's key."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from alumni.events.models import Registration, RegistrationStatus
from alumni.events.services.tickets import ticket_change, tickets_issue
from alumni.events.signing import ticket_verify
from tests.alumni.events.support import *  # noqa: F403  (fixtures)
from tests.alumni.events.support import make_event, make_person, seat_for, ticket


def test_pdf_shows_chinese_and_its_qr_verifies(etree, client_a):
    event = make_event(etree.a, title="阿尔法大学校友返校日晚宴", place="大礼堂二楼")
    person, _ = make_person("欧阳娜娜", user=False)
    registration = Registration.objects.create(
        event=event,
        person=person,
        ticket_type=ticket(event),
        status=RegistrationStatus.CONFIRMED,
        guests=[{"name": "欧阳震华"}],
    )
    _, guest = tickets_issue(registration=registration)
    guest = ticket_change(ticket=guest, seat=seat_for(event, "8号桌 5座"))
    client_a.force_login(etree.users["school_admin"])
    pdf = client_a.get(f"/events/tickets/{guest.code}/pdf/?all=1").content

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    text = reader.pages[1].extract_text()
    for expected in ("阿尔法大学校友返校日晚宴", "欧阳震华", "8号桌 5座", "大礼堂二楼", guest.code):
        assert expected in text, (expected, text)
    fonts = str(reader.pages[1]["/Resources"]["/Font"])
    assert "STSong" not in fonts  # the TrueType CJK font is embedded, not substituted

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "t.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", "200", "-png", "-f", "2", "-l", "2", "t.pdf", "page"], cwd=tmp, check=True
        )
        (png,) = Path(tmp).glob("page*.png")
        codes = zxingcpp.read_barcodes(Image.open(png))
    assert len(codes) == 1
    claims = ticket_verify(codes[0].text, public_b64=event.verify_key)
    assert claims == {**claims, "event": event.public_id, "code": guest.code, "version": guest.version}
