"""Printable e-tickets: one A6 page per ticket with the signed QR code, holder, seat and event.

reportlab embeds TrueType outlines only, so Chinese text uses WenQuanYi Micro Hei (Debian's
``fonts-wqy-microhei``, installed by deploy/install-os-packages.sh and the Docker image). Without
it the PDF falls back to reportlab's built-in ``STSong-Light`` CID font, which is not embedded:
viewers substitute a local Song face, so we warn once.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from alumni.events.models import Ticket
from alumni.events.selectors.tickets import ticket_qr_payload

logger = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/local/share/fonts/wqy-microhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The registered name of a font that draws Chinese: embedded TrueType if one is installed."""
    configured = getattr(settings, "CJK_FONT_PATH", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont("TicketCJK", candidate, subfontIndex=0))
            return "TicketCJK"
    logger.warning(
        "No TrueType CJK font found (install fonts-wqy-microhei); tickets use STSong-Light, "
        "which PDF viewers substitute"
    )
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _draw_qr(pdf: canvas.Canvas, payload: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (one rectangle per run of dark modules): sharp at any print
    size and cheaper than encoding and embedding a PNG."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    quiet = 4  # the white margin the QR standard asks for, in modules
    count = len(matrix)
    cell = size / (count + 2 * quiet)
    path = pdf.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (quiet + row_index + 1) * cell
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < count and row[column]:
                column += 1
            path.rect(x + (quiet + start) * cell, top, (column - start) * cell, cell)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.drawPath(path, stroke=0, fill=1)


def _draw_ticket(pdf: canvas.Canvas, ticket: Ticket, font: str) -> None:
    width, height = A6
    event = ticket.event
    margin = 8 * mm
    y = height - margin - 4 * mm
    pdf.setFont(font, 13)
    for line in _wrap(event.title, font, 13, width - 2 * margin)[:2]:
        pdf.drawString(margin, y, line)
        y -= 6 * mm
    pdf.setFont(font, 9)
    starts = timezone.localtime(event.starts_at)
    pdf.drawString(margin, y, f"时间：{starts:%Y-%m-%d %H:%M}")
    y -= 4.5 * mm
    place = "线上活动" if event.is_online else (event.place or event.city or "")
    for line in _wrap(f"地点：{place}", font, 9, width - 2 * margin)[:2]:
        pdf.drawString(margin, y, line)
        y -= 4.5 * mm
    size = 62 * mm
    qr_y = y - size - 1 * mm
    _draw_qr(pdf, ticket_qr_payload(ticket), (width - size) / 2, qr_y, size)
    y = qr_y - 5 * mm
    pdf.setFont(font, 12)
    pdf.drawCentredString(width / 2, y, f"持票人：{ticket.holder_name}")
    y -= 5.5 * mm
    pdf.setFont(font, 10)
    pdf.drawCentredString(width / 2, y, f"票种：{ticket.registration.ticket_type.name}")
    y -= 5 * mm
    if ticket.seat_id:
        pdf.drawCentredString(width / 2, y, f"座位：{ticket.seat.label}")
        y -= 5 * mm
    pdf.setFont(font, 9)
    pdf.drawCentredString(width / 2, y, f"票号 {ticket.code}")
    if ticket.status != Ticket.Status.VALID:
        pdf.setFillColorRGB(0.8, 0, 0)
        pdf.setFont(font, 28)
        pdf.drawCentredString(width / 2, height / 2, "已作废")
        pdf.setFillColorRGB(0, 0, 0)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break Chinese text anywhere (it has no spaces) so each line fits the width."""
    lines, line = [], ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, font, size) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    return [*lines, line] if line else lines


def tickets_pdf(tickets: list[Ticket]) -> bytes:
    """One page per ticket (A6, phone- and printer-friendly)."""
    font = cjk_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    pdf.setTitle("电子票")
    for ticket in tickets:
        _draw_ticket(pdf, ticket, font)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
