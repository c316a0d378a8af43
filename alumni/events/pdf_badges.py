"""Printable guest badges (胸卡): name, class and workplace, seat and the ticket's signed QR code.

Three common label sizes: an A4 sheet of 2 × 4 cards of 90 × 54 mm (standard business-card
sheets, with cut marks), a single 100 × 70 mm card per page (badge holders), and a 4 × 6 inch
label per page (thermal label printers). Chinese text uses the embedded TrueType font of the
e-tickets (alumni.events.pdf_tickets.cjk_font). The QR code is the ticket's current payload, so a
badge printed before a seat change no longer admits: reprint after moving people.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import inch, mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from alumni.events.models import Ticket
from alumni.events.pdf_tickets import cjk_font
from alumni.events.selectors.seating import badge_affiliation
from alumni.events.selectors.tickets import ticket_qr_payload


@dataclass(frozen=True)
class BadgeSize:
    label: str
    page: tuple[float, float]
    card: tuple[float, float]
    columns: int = 1
    rows: int = 1

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


BADGE_SIZES = {
    "a4_2x4": BadgeSize("A4 不干胶 2×4（每张 90×54 毫米）", A4, (90 * mm, 54 * mm), columns=2, rows=4),
    "card_100x70": BadgeSize("胸卡 100×70 毫米（每页一张）", (100 * mm, 70 * mm), (100 * mm, 70 * mm)),
    "label_4x6": BadgeSize("4×6 英寸标签（每页一张）", (4 * inch, 6 * inch), (4 * inch, 6 * inch)),
}
DEFAULT_SIZE = "a4_2x4"


def _qr(payload: str) -> ImageReader:
    # A 4-module quiet zone, as the QR standard asks: scanners (and decoders) miss codes without it.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    buffer.seek(0)
    return ImageReader(buffer)


def _fit(text: str, font: str, size: float, width: float, smallest: float = 6) -> float:
    """The largest font size up to ``size`` at which ``text`` fits on one line."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _line(pdf, text: str, font: str, size: float, x: float, y: float, width: float, centred: bool = False):
    if not text:
        return
    size = _fit(text, font, size, width)
    pdf.setFont(font, size)
    if centred:
        pdf.drawCentredString(x + width / 2, y, text)
    else:
        pdf.drawString(x, y, text)


def _landscape(pdf, ticket: Ticket, font: str, x: float, y: float, w: float, h: float) -> None:
    pad = 0.07 * h
    qr = h - 2 * pad - 4 * mm
    text_w = w - qr - 3 * pad
    cohort, workplace = badge_affiliation(ticket)
    top = y + h - pad
    _line(pdf, ticket.event.title, font, 8, x + pad, top - 7, w - 2 * pad)
    _line(pdf, ticket.holder_name, font, 0.2 * h, x + pad, top - 0.42 * h, text_w)
    _line(pdf, cohort, font, 8.5, x + pad, top - 0.56 * h, text_w)
    _line(pdf, workplace, font, 8.5, x + pad, top - 0.67 * h, text_w)
    if ticket.seat_id:
        _line(pdf, f"座位 {ticket.seat.label}", font, 11, x + pad, y + pad + 1, text_w)
    qx, qy = x + w - pad - qr, y + pad + 3 * mm
    pdf.drawImage(_qr(ticket_qr_payload(ticket)), qx, qy, qr, qr)
    _line(pdf, ticket.code, font, 7, qx, y + pad, qr, centred=True)


def _portrait(pdf, ticket: Ticket, font: str, x: float, y: float, w: float, h: float) -> None:
    pad = 0.07 * w
    inner = w - 2 * pad
    cohort, workplace = badge_affiliation(ticket)
    top = y + h - pad
    _line(pdf, ticket.event.title, font, 12, x + pad, top - 12, inner, centred=True)
    _line(pdf, ticket.holder_name, font, 0.16 * w, x + pad, top - 0.14 * h, inner, centred=True)
    _line(pdf, cohort, font, 11, x + pad, top - 0.21 * h, inner, centred=True)
    _line(pdf, workplace, font, 11, x + pad, top - 0.26 * h, inner, centred=True)
    if ticket.seat_id:
        _line(pdf, f"座位 {ticket.seat.label}", font, 16, x + pad, top - 0.34 * h, inner, centred=True)
    qr = min(inner, 0.5 * h)
    pdf.drawImage(_qr(ticket_qr_payload(ticket)), x + (w - qr) / 2, y + pad + 5 * mm, qr, qr)
    _line(pdf, f"票号 {ticket.code}", font, 9, x + pad, y + pad, inner, centred=True)


def _cut_marks(pdf, x: float, y: float, w: float, h: float) -> None:
    pdf.setStrokeGray(0.75)
    pdf.setLineWidth(0.3)
    pdf.rect(x, y, w, h, stroke=1, fill=0)
    pdf.setStrokeGray(0)


def badges_pdf(tickets: list[Ticket], size: str = DEFAULT_SIZE) -> bytes:
    """The badges of ``tickets`` (in the given order) laid out for the chosen label size."""
    spec = BADGE_SIZES.get(size) or BADGE_SIZES[DEFAULT_SIZE]
    font = cjk_font()
    page_w, page_h = spec.page
    card_w, card_h = spec.card
    left = (page_w - spec.columns * card_w) / 2
    bottom = (page_h - spec.rows * card_h) / 2
    draw = _portrait if card_h > card_w else _landscape
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=spec.page, pageCompression=1)
    pdf.setTitle("胸卡")
    for index, ticket in enumerate(tickets):
        slot = index % spec.per_page
        if index and slot == 0:
            pdf.showPage()
        column, row = slot % spec.columns, slot // spec.columns
        x = left + column * card_w
        y = bottom + (spec.rows - 1 - row) * card_h
        if spec.per_page > 1:
            _cut_marks(pdf, x, y, card_w, card_h)
        draw(pdf, ticket, font, x, y, card_w, card_h)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
