"""Check-in: admit a ticket once, online or from an offline scanner's upload; gates.

Online, an admission is ONE SQL statement (atomic on its own, so no BEGIN/COMMIT round trips):
a conditional UPDATE of the ticket (valid, this event, this QR version, admitted by this gate,
not yet checked in, nonce not seen before) chained to the INSERT of the Scan row keyed by the
scanner's nonce. The ticket's row lock makes concurrent scans of one ticket admit it exactly once
(a waiting scan re-checks ``checked_in_at IS NULL`` and finds it set); the unique nonce makes a
retried request return the first answer instead of counting twice. Only a refused scan pays for
two more statements: one to say why, one to log it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from alumni.core.services import audit_record
from alumni.events.errors import Conflict, GateNotFound, InvalidTicket, ValidationFailed
from alumni.events.models import Event, Gate, Registration, Scan, ScanResult, Seat, Ticket, TicketType
from alumni.events.signing import payload_event, ticket_verify

NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CODE = re.compile(r"^[0-9A-F]{10}$")
MAX_UPLOAD = 500


@dataclass
class ScanOutcome:
    result: str
    label: str
    code: str = ""
    holder_name: str = ""
    ticket_type: str = ""
    seat: str = ""
    checked_in_at: str = ""  # ISO time of the (first) admission
    gate: str = ""  # gate of the (first) admission
    replayed: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _outcome(result: str, **fields) -> ScanOutcome:
    return ScanOutcome(result=result, label=str(ScanResult(result).label), **fields)


def _tables() -> dict[str, str]:
    return {
        "ticket": Ticket._meta.db_table,
        "scan": Scan._meta.db_table,
        "gate": Gate._meta.db_table,
        "gate_types": Gate.ticket_types.through._meta.db_table,
        "registration": Registration._meta.db_table,
        "ticket_type": TicketType._meta.db_table,
        "seat": Seat._meta.db_table,
    }


# The whole admission: the ticket row is updated only if every condition holds (the row lock
# serialises concurrent scans; a loser re-checks ``checked_in_at IS NULL`` and finds it set),
# and the scan is recorded in the same statement. ON CONFLICT makes a replayed nonce insert nothing.
ADMIT_SQL = """
WITH admitted AS (
    UPDATE {ticket} t SET checked_in_at = %(at)s, checked_in_gate_id = %(gate)s
    FROM {registration} r, {ticket_type} tt
    WHERE r.id = t.registration_id AND tt.id = r.ticket_type_id
      AND t.event_id = %(event)s AND t.code = %(code)s AND t.status = 'valid'
      AND t.checked_in_at IS NULL
      AND (%(version)s::integer IS NULL OR t.version = %(version)s::integer)
      AND (%(gate)s::integer IS NULL OR (
            EXISTS (SELECT 1 FROM {gate} g WHERE g.id = %(gate)s::integer AND g.event_id = %(event)s)
            AND (NOT EXISTS (SELECT 1 FROM {gate_types} gt WHERE gt.gate_id = %(gate)s::integer)
                 OR EXISTS (SELECT 1 FROM {gate_types} gt
                            WHERE gt.gate_id = %(gate)s::integer AND gt.tickettype_id = r.ticket_type_id))))
      AND NOT EXISTS (SELECT 1 FROM {scan} seen WHERE seen.nonce = %(nonce)s)
    RETURNING t.id, t.holder_name, tt.name AS ticket_type,
              (SELECT s.label FROM {seat} s WHERE s.id = t.seat_id) AS seat
), recorded AS (
    INSERT INTO {scan} (event_id, gate_id, ticket_id, nonce, result, scanned_at, received_at,
                        offline, staff_id, device)
    SELECT %(event)s, %(gate)s, admitted.id, %(nonce)s, 'admitted', %(at)s, %(now)s,
           %(offline)s, %(staff)s, %(device)s
    FROM admitted
    ON CONFLICT (nonce) DO NOTHING
    RETURNING id
)
SELECT (SELECT id FROM recorded), a.id, a.holder_name, a.ticket_type, a.seat
FROM (SELECT 1) AS one LEFT JOIN admitted a ON true
"""

# Undo an admission whose nonce turned out to be taken by a concurrent scan (only a client
# reusing one nonce for two tickets at once gets here): the ticket must not be in without a log.
UNDO_SQL = """
UPDATE {ticket} SET checked_in_at = NULL, checked_in_gate_id = NULL
WHERE id = %(ticket_id)s AND checked_in_at = %(at)s
"""

REFUSAL_SQL = """
INSERT INTO {scan} (event_id, gate_id, ticket_id, nonce, result, scanned_at, received_at,
                    offline, staff_id, device)
VALUES (%(event)s, %(gate)s, %(ticket_id)s, %(nonce)s, %(result)s, %(at)s, %(now)s,
        %(offline)s, %(staff)s, %(device)s)
ON CONFLICT (nonce) DO NOTHING
RETURNING id
"""

# Why a scan was refused (refusals only): the ticket by code in any event of the school.
DIAGNOSE_SQL = """
SELECT t.id, t.event_id, t.status, t.version, t.checked_in_at, cg.name, t.holder_name, tt.name,
       (SELECT s.label FROM {seat} s WHERE s.id = t.seat_id),
       (%(gate)s::integer IS NULL OR NOT EXISTS (SELECT 1 FROM {gate_types} gt WHERE gt.gate_id = %(gate)s::integer)
        OR EXISTS (SELECT 1 FROM {gate_types} gt
                   WHERE gt.gate_id = %(gate)s::integer AND gt.tickettype_id = r.ticket_type_id)),
       (%(gate)s::integer IS NULL OR EXISTS (SELECT 1 FROM {gate} g
                                    WHERE g.id = %(gate)s::integer AND g.event_id = %(event)s))
FROM {ticket} t
JOIN {registration} r ON r.id = t.registration_id
JOIN {ticket_type} tt ON tt.id = r.ticket_type_id
LEFT JOIN {gate} cg ON cg.id = t.checked_in_gate_id
WHERE t.code = %(code)s
"""

REPLAY_SQL = """
SELECT sc.event_id, sc.result, t.code, t.holder_name, tt.name,
       (SELECT s.label FROM {seat} s WHERE s.id = t.seat_id), t.checked_in_at, cg.name
FROM {scan} sc
LEFT JOIN {ticket} t ON t.id = sc.ticket_id
LEFT JOIN {registration} r ON r.id = t.registration_id
LEFT JOIN {ticket_type} tt ON tt.id = r.ticket_type_id
LEFT JOIN {gate} cg ON cg.id = t.checked_in_gate_id
WHERE sc.nonce = %(nonce)s
"""

_sql_cache: dict[str, str] = {}


def _sql(template: str) -> str:
    if template not in _sql_cache:
        _sql_cache[template] = template.format(**_tables())
    return _sql_cache[template]


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _read(*, payload: str, event_public_id: str, verify_key: str, now: float) -> tuple[str, int | None]:
    """(ticket code, QR version) from a scanned payload or a typed ticket code; signature first."""
    text = (payload or "").strip()
    if text.upper().startswith("T1."):
        if payload_event(text) != event_public_id:
            raise _WrongEvent()
        claims = ticket_verify(text, public_b64=verify_key, now=now)
        if claims["event"] != event_public_id:
            raise _WrongEvent()
        return claims["code"], claims["version"]
    code = text.upper()
    if not CODE.match(code):
        raise InvalidTicket()
    return code, None  # typed from the print under the QR: no signature, any current version


class _WrongEvent(Exception):
    pass


def checkin_scan(
    *,
    event_id: int,
    event_public_id: str,
    verify_key: str,
    gate_id: int | None,
    payload: str,
    nonce: str,
    staff_id: int | None,
    device: str = "",
    scanned_at: datetime | None = None,
    offline: bool = False,
) -> ScanOutcome:
    """Admit a ticket at most once; every scan (admitted or not) is logged under its nonce."""
    if not NONCE.match(nonce or ""):
        raise ValidationFailed("缺少有效的扫码编号（nonce）", field="nonce")
    now = timezone.now()
    at = scanned_at or now
    params = {
        "event": event_id,
        "gate": gate_id,
        "nonce": nonce,
        "at": at,
        "now": now,
        "offline": offline,
        "staff": staff_id,
        "device": (device or "")[:60],
        "code": "",
        "version": None,
    }
    try:
        params["code"], params["version"] = _read(
            payload=payload, event_public_id=event_public_id, verify_key=verify_key, now=at.timestamp()
        )
    except (InvalidTicket, _WrongEvent) as exc:
        result = ScanResult.WRONG_EVENT if isinstance(exc, _WrongEvent) else ScanResult.INVALID
        return _record_refusal(params, _outcome(result))
    with connection.cursor() as cursor:
        cursor.execute(_sql(ADMIT_SQL), params)
        scan_id, ticket_id, holder_name, ticket_type, seat = cursor.fetchone()
        if ticket_id is not None and scan_id is not None:
            return _outcome(
                ScanResult.ADMITTED,
                code=params["code"],
                holder_name=holder_name,
                ticket_type=ticket_type,
                seat=seat or "",
                checked_in_at=_iso(at),
            )
        if ticket_id is not None:
            cursor.execute(_sql(UNDO_SQL), {**params, "ticket_id": ticket_id})
            return _replay(cursor, params)
        outcome, ticket_id = _diagnose(cursor, params, offline=offline)
        cursor.execute(_sql(REFUSAL_SQL), {**params, "ticket_id": ticket_id, "result": outcome.result})
        if cursor.fetchone() is None:  # this nonce was seen before: answer as the first time
            return _replay(cursor, params)
        return outcome


def _diagnose(cursor, params: dict, *, offline: bool) -> tuple[ScanOutcome, int | None]:
    cursor.execute(_sql(DIAGNOSE_SQL), params)
    row = cursor.fetchone()
    if row is None:
        return _outcome(ScanResult.INVALID, code=params["code"]), None
    (
        ticket_id,
        event_id,
        status,
        version,
        checked_in_at,
        gate_name,
        holder,
        ticket_type,
        seat,
        admits,
        gate_ok,
    ) = row
    if not gate_ok:
        raise GateNotFound()
    if event_id != params["event"]:
        return _outcome(ScanResult.WRONG_EVENT), None
    shown = {"code": params["code"], "holder_name": holder, "ticket_type": ticket_type, "seat": seat or ""}
    wanted = params["version"]
    if status != Ticket.Status.VALID or (wanted is not None and wanted < version):
        return _outcome(ScanResult.REVOKED, **shown), ticket_id
    if wanted is not None and wanted > version:
        return _outcome(ScanResult.INVALID, code=params["code"]), None
    if checked_in_at is not None:
        # An offline scanner already let this person in: a second admission the organizer must see.
        result = ScanResult.CONFLICT if offline else ScanResult.ALREADY
        return _outcome(result, checked_in_at=_iso(checked_in_at), gate=gate_name or "", **shown), ticket_id
    if not admits:
        return _outcome(ScanResult.WRONG_GATE, **shown), ticket_id
    # Every condition held yet nothing was updated: the ticket changed under us; say so plainly.
    return _outcome(ScanResult.ALREADY, **shown), ticket_id


def _replay(cursor, params: dict) -> ScanOutcome:
    cursor.execute(_sql(REPLAY_SQL), params)
    row = cursor.fetchone()
    if row is None or row[0] != params["event"]:
        raise Conflict("该扫码编号已被使用", code="nonce_reused")
    _, result, code, holder, ticket_type, seat, checked_in_at, gate_name = row
    return _outcome(
        result,
        code=code or "",
        holder_name=holder or "",
        ticket_type=ticket_type or "",
        seat=seat or "",
        checked_in_at=_iso(checked_in_at),
        gate=gate_name or "",
        replayed=True,
    )


def _record_refusal(params: dict, outcome: ScanOutcome) -> ScanOutcome:
    """Log a scan refused before any ticket lookup (bad signature, other event), once per nonce."""
    with transaction.atomic():
        if (
            params["gate"] is not None
            and not Gate.objects.filter(pk=params["gate"], event_id=params["event"]).exists()
        ):
            raise GateNotFound()
        scan, created = Scan.objects.get_or_create(
            nonce=params["nonce"],
            defaults={
                "event_id": params["event"],
                "gate_id": params["gate"],
                "result": outcome.result,
                "scanned_at": params["at"],
                "offline": params["offline"],
                "staff_id": params["staff"],
                "device": params["device"],
            },
        )
        if not created:
            if scan.event_id != params["event"]:
                raise Conflict("该扫码编号已被使用", code="nonce_reused")
            return _outcome(scan.result, replayed=True)
    return outcome


def checkin_offline_upload(
    *, event: Event, staff_id: int | None, scans: list[dict], device: str = ""
) -> list[dict]:
    """Record scans an offline scanner made; an admission that came second is a ``conflict``."""
    if not isinstance(scans, list) or len(scans) > MAX_UPLOAD:
        raise ValidationFailed(f"每次最多上传 {MAX_UPLOAD} 条扫码记录")
    gates = set(event.gates.values_list("pk", flat=True))
    now = timezone.now()
    results = []
    for item in scans:
        item = item if isinstance(item, dict) else {}
        nonce = str(item.get("nonce") or "")
        try:
            gate_id = int(item["gate"]) if item.get("gate") not in (None, "") else None
            if gate_id is not None and gate_id not in gates:
                raise GateNotFound()
            scanned_at = _scanner_time(item.get("scanned_at"), now=now)
            outcome = checkin_scan(
                event_id=event.pk,
                event_public_id=event.public_id,
                verify_key=event.verify_key,
                gate_id=gate_id,
                payload=str(item.get("payload") or ""),
                nonce=nonce,
                staff_id=staff_id,
                device=device,
                scanned_at=scanned_at,
                offline=True,
            )
            results.append({"nonce": nonce, **outcome.as_dict()})
        except (ValidationFailed, GateNotFound, Conflict, ValueError, TypeError) as exc:
            results.append(
                {
                    "nonce": nonce,
                    "result": "error",
                    "code": getattr(exc, "code", "invalid"),
                    "label": getattr(exc, "message", "记录无效"),
                }
            )
    return results


def _scanner_time(value, *, now: datetime) -> datetime:
    """The scanner's clock (ms since the epoch or ISO), never later than the server's."""
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value / 1000, tz=timezone.get_current_timezone())
    elif isinstance(value, str) and value:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    else:
        return now
    return min(moment, now)


def gate_save(
    *, event: Event, actor, name: str, ticket_types=(), sort_order: int = 0, gate: Gate | None = None
) -> Gate:
    """Create or rename a gate and choose the ticket types it admits (none chosen = all)."""
    name = (name or "").strip()[:40]
    if not name:
        raise ValidationFailed("请填写入口名称", field="name")
    types = list(ticket_types)
    if any(t.event_id != event.pk for t in types):
        raise ValidationFailed("票种不属于本活动", field="ticket_types")
    with transaction.atomic():
        if Gate.objects.filter(event=event, name=name).exclude(pk=getattr(gate, "pk", None)).exists():
            raise ValidationFailed("已有同名入口", field="name")
        before = {"name": gate.name} if gate else None
        if gate is None:
            gate = Gate.objects.create(event=event, name=name, sort_order=sort_order)
        else:
            gate.name, gate.sort_order = name, sort_order
            gate.save(update_fields=["name", "sort_order"])
        gate.ticket_types.set(types)
        audit_record(
            actor=actor,
            action="events.gate_save",
            target=gate,
            summary=f"{event.title}：签到入口 {name}",
            before=before,
            after={"name": name, "ticket_types": [t.name for t in types]},
        )
    return gate


def gate_delete(*, gate: Gate, actor) -> None:
    """Remove a gate (its scans stay in the log, without a gate)."""
    with transaction.atomic():
        audit_record(
            actor=actor, action="events.gate_delete", target=gate, summary=f"删除签到入口 {gate.name}"
        )
        gate.delete()
