"""The holder's ticket page (/events/tickets/<code>/): QR code, seat, event, status; PDF download."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from alumni.events.pdf_tickets import tickets_pdf
from alumni.events.selectors.tickets import can_view_ticket, ticket_by_code, ticket_qr_payload
from alumni.events.services.tickets import event_keys_ensure


def _ticket_for(request, code: str):
    ticket = ticket_by_code(code)
    # Someone else's ticket looks exactly like a missing one: codes are not to be probed.
    if ticket is None or not can_view_ticket(request.user, ticket):
        raise Http404
    event_keys_ensure(event=ticket.event)
    return ticket


def _qr_svg(payload: str) -> str:
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def ticket_view(request, code: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ticket = _ticket_for(request, code)
    siblings = list(ticket.registration.tickets.exclude(pk=ticket.pk).order_by("is_guest", "id"))
    valid = ticket.status == ticket.Status.VALID
    context = {
        "ticket": ticket,
        "event": ticket.event,
        # Drawn here from our own payload, never from user input: safe to inline.
        "qr_svg": mark_safe(_qr_svg(ticket_qr_payload(ticket))) if valid else "",  # noqa: S308
        "siblings": siblings,
    }
    response = render(request, "events/tickets/ticket.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def ticket_pdf_view(request, code: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ticket = _ticket_for(request, code)
    scope = request.GET.get("all") == "1"
    tickets = list(ticket.registration.tickets.select_related("event", "seat", "registration__ticket_type"))
    pdf = tickets_pdf(tickets if scope else [ticket])
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"ticket-{ticket.registration_id if scope else ticket.code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
