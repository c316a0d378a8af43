"""H5 pages of an invitation link /messages/i/<secret>/: what it is, then log in or register and accept.

Flow for someone without an account: the landing page's "注册并接受" (a POST, so CSRF-protected)
puts the invitee's name, phone and e-mail in the session for the registration form to prefill
(``alumni.accounts.views.REGISTER_PREFILL``) and marks the link as "accept after login"; the
registration (or login) page then returns to ``…/accept/``, whose GET completes the acceptance
only when that mark is in the session. alumni.accounts never imports messaging.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from alumni.accounts.views import REGISTER_PREFILL
from alumni.core.errors import ServiceError
from alumni.messaging.models import Channel, InvitationStatus
from alumni.messaging.selectors.invites import invite_by_secret, invite_token_hash
from alumni.messaging.services.invites import invite_accept, invite_describe

# The hash of the link whose acceptance the visitor started before logging in / registering.
PENDING_INVITE = "messaging.invite_pending"


def _private(response):
    # The secret is in the URL: keep it out of Referer headers and shared caches.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _landing_url(secret: str) -> str:
    return reverse("messaging:invite", args=[secret])


def _accept_url(secret: str) -> str:
    return reverse("messaging:invite_accept", args=[secret])


def _prefill(invitation) -> dict:
    payload = invitation.payload or {}
    return {
        "name": invitation.name,
        "phone": invitation.address if invitation.channel == Channel.SMS else payload.get("phone", ""),
        "email": invitation.address if invitation.channel == Channel.EMAIL else payload.get("email", ""),
    }


def _safe(request, url: str) -> str:
    ok = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and ok else "/"


def _render(request, invitation, secret: str, *, status: int = 200, error: str = ""):
    state = invitation.status if invitation is not None else "unknown"
    mine = (
        invitation is not None and request.user.is_authenticated and invitation.used_by_id == request.user.pk
    )
    inviter = invitation.created_by if invitation is not None else None
    context = {
        "invitation": invitation,
        "state": state,
        "mine": mine,
        "secret": secret,
        "error": error,
        "what": invite_describe(invitation) if invitation is not None else "",
        "inviter_name": getattr(inviter, "name", "") or "",
        "accept_url": _accept_url(secret),
        "landing_url": _landing_url(secret),
        "statuses": InvitationStatus,
    }
    return _private(render(request, "messaging/invites/landing.html", context, status=status))


@never_cache
@require_http_methods(["GET", "POST"])
def invite_landing(request, secret: str):
    """Who invites you to what; log in / register first (POST starts that round trip)."""
    invitation = invite_by_secret(secret)
    if invitation is None:
        return _render(request, None, secret, status=404)
    if request.method == "POST":
        if invitation.status != InvitationStatus.PENDING:
            return _render(request, invitation, secret, status=410)
        request.session[PENDING_INVITE] = invitation.token_hash
        if request.user.is_authenticated:
            return redirect(_accept_url(secret))
        query = urlencode({"next": _accept_url(secret)})
        if request.POST.get("action") == "login":
            return _private(redirect(f"{reverse('accounts:login')}?{query}"))
        request.session[REGISTER_PREFILL] = _prefill(invitation)
        return _private(redirect(f"{reverse('accounts:register')}?{query}"))
    status = 200 if invitation.status == InvitationStatus.PENDING else 410
    return _render(request, invitation, secret, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def invite_accept_view(request, secret: str):
    """Accept: a POST from the landing page, or the GET that ends a login/registration round trip."""
    if not request.user.is_authenticated:
        return redirect(_landing_url(secret))
    started_here = request.session.get(PENDING_INVITE) == invite_token_hash(secret)
    if request.method == "GET" and not started_here:
        # A bare GET must not change anything (links can be prefetched); show the page instead.
        return redirect(_landing_url(secret))
    request.session.pop(PENDING_INVITE, None)
    request.session.pop(REGISTER_PREFILL, None)
    try:
        invitation = invite_accept(token=secret, user=request.user)
    except ServiceError as exc:
        return _render(request, invite_by_secret(secret), secret, status=410, error=exc.message)
    messages.success(request, f"已接受邀请：{invite_describe(invitation)}。")
    return _private(redirect(_safe(request, invitation.next_url)))
