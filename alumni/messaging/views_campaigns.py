"""Public pages of e-mail campaigns on the school's host: the open pixel and the unsubscribe page.

Anonymous by design (the reader is in a mail client), keyed by opaque signed tokens that are only
valid at the school that minted them (alumni.messaging.campaign_tokens).
"""

from __future__ import annotations

import base64

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from alumni.messaging.campaign_tokens import recipient_id_from
from alumni.messaging.services.campaigns import campaign_record_open, campaign_unsubscribe

# A transparent 1×1 GIF.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
def campaign_open(request, token: str):
    """Always the same image (a wrong token learns nothing); a valid one marks the e-mail opened."""
    recipient_id = recipient_id_from("open", token)
    if recipient_id is not None:
        campaign_record_open(recipient_id=recipient_id)
    return HttpResponse(PIXEL, content_type="image/gif")


# One-click unsubscribe (RFC 8058): mail clients POST "List-Unsubscribe=One-Click" without a
# session or CSRF token; the signed token is the credential.
@csrf_exempt
@never_cache
def campaign_unsubscribe_view(request, token: str):
    recipient_id = recipient_id_from("unsub", token)
    if recipient_id is None:
        return TemplateResponse(
            request,
            "messaging/campaigns/unsubscribe.html",
            {"invalid": True, "page_title": "退订"},
            status=404,
        )
    done = False
    if request.method == "POST":
        done = (
            campaign_unsubscribe(recipient_id=recipient_id, reason=request.POST.get("reason", "")) is not None
        )
    # GET only asks: link scanners of mail systems fetch links, and must not unsubscribe anyone.
    return TemplateResponse(
        request, "messaging/campaigns/unsubscribe.html", {"done": done, "page_title": "退订邮件"}
    )
