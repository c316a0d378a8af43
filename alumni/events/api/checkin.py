"""The scanner's API under /api/v1/events/<public id>/checkin/: scan, counts, offline bundle, upload.

Staff authenticate with their session (H5, CSRF-checked) or bearer token (mini-program) and
must be able to manage the event; the scanner page also receives a short-lived scanner token
(``Authorization: Scanner <token>``, see signing.scanner_token) bound to one user, one event and
one school, so the hot path — a scan — costs no session or permission query.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from alumni.accounts.api.views import API_AUTHENTICATION
from alumni.events.errors import CheckinForbidden, NotFound, ServiceError, ValidationFailed
from alumni.events.selectors.checkin import can_check_in, checkin_counts, checkin_event, offline_bundle
from alumni.events.services.checkin import checkin_offline_upload, checkin_scan
from alumni.events.services.tickets import event_keys_ensure
from alumni.events.signing import scanner_token, scanner_token_read


@dataclass(frozen=True)
class ScannerPrincipal:
    """The holder of a scanner token: a user id for the scan log, authorised for one event only."""

    pk: int
    event_id: int
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False


class ScannerTokenAuthentication(BaseAuthentication):
    keyword = "Scanner"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header.startswith(f"{self.keyword} "):
            return None
        data = scanner_token_read(header[len(self.keyword) + 1 :].strip(), schema=connection.schema_name)
        if data is None:
            raise AuthenticationFailed("验票凭证无效或已过期，请重新打开验票页")
        return ScannerPrincipal(pk=int(data["u"]), event_id=int(data["e"])), data

    def authenticate_header(self, request):
        return self.keyword


class ScannerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the scanner token in the API schema (header ``Authorization: Scanner <token>``)."""

    target_class = ScannerTokenAuthentication
    name = "ScannerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Scanner <token>` from POST /api/v1/events/{public_id}/checkin/token/",
        }


_CHECKIN_SCHEMA = {"tags": ["events-checkin"], "responses": {200: OpenApiTypes.OBJECT}}


@dataclass(frozen=True)
class _EventKeys:
    id: int
    public_id: str
    verify_key: str


# Event id and public key never change once set, so the hot path keeps them per process for a
# minute (per school: the key includes the schema) instead of reading the event on every scan.
_KEYS_TTL = 60.0
_keys: dict[tuple[str, str], tuple[float, _EventKeys]] = {}


def _event_keys(public_id: str) -> _EventKeys:
    key = (connection.schema_name, public_id)
    cached = _keys.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    event = _event(public_id)
    keys = _EventKeys(event.pk, event.public_id, event.verify_key)
    _keys[key] = (time.monotonic() + _KEYS_TTL, keys)
    return keys


def _event(public_id: str):
    event = checkin_event(public_id)
    if event is None:
        raise NotFound("活动不存在", code="event_not_found")
    if not event.verify_key:
        event = event_keys_ensure(event=event)
    return event


def _authorise(request, public_id: str):
    """(event keys, staff user id) or CheckinForbidden; scanner tokens skip every DB read."""
    user = request.user
    if isinstance(user, ScannerPrincipal):
        keys = _event_keys(public_id)
        if keys.id != user.event_id:
            raise CheckinForbidden()
        return keys, user.pk
    event = _event(public_id)
    if not can_check_in(user, event):
        raise CheckinForbidden()
    return _EventKeys(event.pk, event.public_id, event.verify_key), user.pk


def _gate_id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("入口无效", field="gate") from exc


class CheckinAPIView(APIView):
    authentication_classes = [ScannerTokenAuthentication, *API_AUTHENTICATION]
    permission_classes = [IsAuthenticated]


class ScanView(CheckinAPIView):
    """POST {payload | code, gate, nonce} → the verdict the scanner shows (retries answer the same)."""

    def post(self, request, public_id: str):
        keys, staff_id = _authorise(request, public_id)
        data = request.data if isinstance(request.data, dict) else {}
        outcome = checkin_scan(
            event_id=keys.id,
            event_public_id=keys.public_id,
            verify_key=keys.verify_key,
            gate_id=_gate_id(data.get("gate")),
            payload=str(data.get("payload") or data.get("code") or ""),
            nonce=str(data.get("nonce") or ""),
            staff_id=staff_id,
            device=str(data.get("device") or ""),
        )
        return Response(outcome.as_dict())


def _scan_with_token(request, public_id: str, token: str) -> JsonResponse:
    """The hot path, without DRF's request/response machinery: a scan from the scanner page.

    The credential is a header, never a cookie, so there is nothing for CSRF to protect here.
    """
    data = scanner_token_read(token, schema=connection.schema_name)
    if data is None:
        return JsonResponse(
            {"code": "authentication_failed", "detail": "验票凭证无效或已过期，请重新打开验票页"},
            status=401,
            headers={"WWW-Authenticate": ScannerTokenAuthentication.keyword},
        )
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise ValidationFailed("请求格式有误")
        keys = _event_keys(public_id)
        if keys.id != int(data["e"]):
            raise CheckinForbidden()
        outcome = checkin_scan(
            event_id=keys.id,
            event_public_id=keys.public_id,
            verify_key=keys.verify_key,
            gate_id=_gate_id(body.get("gate")),
            payload=str(body.get("payload") or body.get("code") or ""),
            nonce=str(body.get("nonce") or ""),
            staff_id=int(data["u"]),
            device=str(body.get("device") or ""),
        )
    except ValueError:  # JSON that does not parse
        return JsonResponse({"code": "parse_error", "detail": "请求格式有误"}, status=400)
    except ServiceError as exc:
        return JsonResponse({"code": exc.code, "detail": exc.message}, status=exc.status)
    return JsonResponse(outcome.as_dict())


_scan_view = ScanView.as_view()


@csrf_exempt
def scan_view(request, public_id: str):
    """Scanner-token scans take the lean path; sessions and bearer tokens go through DRF."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if request.method == "POST" and header.startswith(f"{ScannerTokenAuthentication.keyword} "):
        return _scan_with_token(request, public_id, header.split(" ", 1)[1].strip())
    return _scan_view(request, public_id=public_id)


class CountsView(CheckinAPIView):
    @extend_schema(summary="签到人数（总数与各入口）", **_CHECKIN_SCHEMA)
    def get(self, request, public_id: str):
        keys, _ = _authorise(request, public_id)
        return Response(checkin_counts(checkin_event(keys.public_id)))


class BundleView(CheckinAPIView):
    """Everything an offline scanner needs: public key, revocations, current versions, names."""

    @extend_schema(summary="离线验票包：公钥、作废名单、票面信息", **_CHECKIN_SCHEMA)
    def get(self, request, public_id: str):
        keys, _ = _authorise(request, public_id)
        response = Response(offline_bundle(checkin_event(keys.public_id)))
        response["Cache-Control"] = "no-store"
        return response


class UploadView(CheckinAPIView):
    """POST [{nonce, payload, gate, scanned_at}] (or {"scans": [...]}) → a verdict per scan."""

    @extend_schema(summary="上传离线扫码记录", request=OpenApiTypes.OBJECT, **_CHECKIN_SCHEMA)
    def post(self, request, public_id: str):
        keys, staff_id = _authorise(request, public_id)
        scans = request.data.get("scans") if isinstance(request.data, dict) else request.data
        device = str(request.data.get("device") or "") if isinstance(request.data, dict) else ""
        results = checkin_offline_upload(
            event=checkin_event(keys.public_id), staff_id=staff_id, scans=scans, device=device
        )
        return Response({"results": results})


class TokenView(CheckinAPIView):
    """POST → a scanner token for this event (for clients that scan without a session)."""

    @extend_schema(summary="领取本活动的验票凭证", request=None, **_CHECKIN_SCHEMA)
    def post(self, request, public_id: str):
        # Only a real sign-in may mint a token: a token renewing itself would outlive the
        # permission check it stands for.
        if isinstance(request.user, ScannerPrincipal):
            raise CheckinForbidden("请重新登录后打开验票页")
        keys, staff_id = _authorise(request, public_id)
        token = scanner_token(user_id=staff_id, event_id=keys.id, schema=connection.schema_name)
        return Response({"token": token})


urlpatterns = [
    path("events/<str:public_id>/checkin/scan/", scan_view, name="events-checkin-scan"),
    path("events/<str:public_id>/checkin/counts/", CountsView.as_view(), name="events-checkin-counts"),
    path("events/<str:public_id>/checkin/bundle/", BundleView.as_view(), name="events-checkin-bundle"),
    path("events/<str:public_id>/checkin/upload/", UploadView.as_view(), name="events-checkin-upload"),
    path("events/<str:public_id>/checkin/token/", TokenView.as_view(), name="events-checkin-token"),
]
