"""The staff scanner page (/events/<public id>/checkin/): camera, USB scanner or WeChat scanning.

The page is plain JS (static/events/checkin.js) talking to api/checkin.py with a scanner token
minted here for the signed-in staff member; it caches the offline bundle and keeps working
without a network, uploading its queued scans when the connection returns.
"""

from __future__ import annotations

import logging
import secrets
import time

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from alumni.events.selectors.checkin import can_check_in, checkin_event, event_gates
from alumni.events.services.tickets import event_keys_ensure
from alumni.events.signing import scanner_token

logger = logging.getLogger(__name__)


def _wechat_config(request) -> dict | None:
    """wx.config for JS-SDK scanning, only inside WeChat with the school's official account set up."""
    if "MicroMessenger" not in request.headers.get("User-Agent", ""):
        return None
    from alumni.accounts.selectors import wechat_settings
    from alumni.accounts.wechat import SchoolWeChatClient

    config = wechat_settings()
    if not (config.official_app_id and config.official_app_secret):
        return None
    try:
        client = SchoolWeChatClient(config.official_app_id, config.official_app_secret)
        ticket = client.jsapi.get_jsapi_ticket()
        nonce, timestamp = secrets.token_hex(8), int(time.time())
        url = request.build_absolute_uri().split("#")[0]
        signature = client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url)
    except Exception:  # any WeChat failure only hides the WeChat button
        logger.warning("WeChat JS-SDK config failed for the scanner page", exc_info=True)
        return None
    return {
        "appId": config.official_app_id,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": signature,
    }


def checkin_view(request, public_id: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    event = checkin_event(public_id)
    if event is None:
        raise Http404
    if not can_check_in(request.user, event):
        raise PermissionDenied
    event_keys_ensure(event=event)
    api = f"/api/v1/events/{event.public_id}/checkin/"
    context = {
        "event": event,
        "gates": event_gates(event),
        "scanner": {
            "event": event.public_id,
            "token": scanner_token(user_id=request.user.pk, event_id=event.pk, schema=connection.schema_name),
            "scan_url": api + "scan/",
            "counts_url": api + "counts/",
            "bundle_url": api + "bundle/",
            "upload_url": api + "upload/",
            "wechat": _wechat_config(request),
            "login_url": reverse("accounts:login") + "?next=" + request.path,
        },
    }
    response = render(request, "events/checkin/scanner.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
