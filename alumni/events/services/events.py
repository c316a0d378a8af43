"""Writes of organizing: events, alumni proposals and their review, ticket types, invitation codes,
the blacklist.

Chapter admins act on events of their subtree (alumni.network.permissions), school admins on all;
every admin write is in the audit log. Each new event gets its own Ed25519 key pair for tickets.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alumni.core.custom_forms import form_fields_clean
from alumni.core.permissions import is_school_admin
from alumni.core.services import audit_record
from alumni.events.errors import EventInvalid, EventNotAllowed, EventStateConflict
from alumni.events.models import (
    BlacklistEntry,
    Event,
    EventStatus,
    InvitationCode,
    TicketType,
    Visibility,
)
from alumni.events.models.registrations import LIVE_STATUSES
from alumni.events.selectors.events import can_manage_event
from alumni.events.services.registrations import waitlist_promote
from alumni.events.signing import new_keypair
from alumni.messaging.message import Message
from alumni.messaging.selectors.recipients import recipient_for_person
from alumni.messaging.services.send import message_send
from alumni.network.models import Organization
from alumni.network.permissions import can_manage

EDITABLE_FIELDS = (
    "title",
    "cover",
    "summary",
    "description",
    "tags",
    "starts_at",
    "ends_at",
    "is_online",
    "place",
    "city",
    "online_url",
    "organizer_name",
    "organizer_phone",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "cancellation_deadline",
    "visibility",
    "requires_approval",
    "guests_allowed",
    "waitlist_enabled",
    "form",
)
# What an alumnus may fill in when proposing an event (the organizers set the rest on review).
PROPOSAL_FIELDS = (
    "title",
    "summary",
    "description",
    "tags",
    "starts_at",
    "ends_at",
    "is_online",
    "place",
    "city",
    "online_url",
    "organizer_name",
    "organizer_phone",
    "capacity",
)


def _require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise EventNotAllowed(message)


def _clean_form(form) -> list[dict]:
    return form_fields_clean(form, error=EventInvalid, field="form", title="报名表")


def _clean(fields: dict, *, allowed: tuple[str, ...], current: Event | None = None) -> dict:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise EventInvalid(f"未知字段：{'、'.join(sorted(unknown))}")
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()[:120]
        if not fields["title"]:
            raise EventInvalid("请填写活动名称", field="title")
    if "tags" in fields:
        tags = fields["tags"] or []
        if isinstance(tags, str):
            tags = tags.replace("，", ",").split(",")
        fields["tags"] = list(dict.fromkeys(str(t).strip()[:20] for t in tags if str(t).strip()))
    if "visibility" in fields and fields["visibility"] not in Visibility.values:
        raise EventInvalid("可见范围不正确", field="visibility")
    if "form" in fields:
        fields["form"] = _clean_form(fields["form"])
    if "capacity" in fields and fields["capacity"] is not None:
        if int(fields["capacity"]) < 1:
            raise EventInvalid("人数上限至少为 1（不限请留空）", field="capacity")
        if current is not None and int(fields["capacity"]) < current.confirmed_count:
            raise EventInvalid(f"已有 {current.confirmed_count} 人占用名额，上限不能更低", field="capacity")

    def value(name):
        return fields[name] if name in fields else getattr(current, name, None)

    starts, ends = value("starts_at"), value("ends_at")
    if not isinstance(starts, datetime) or not isinstance(ends, datetime):
        raise EventInvalid("请填写开始和结束时间", field="starts_at")
    if ends < starts:
        raise EventInvalid("结束时间不能早于开始时间", field="ends_at")
    opens, closes = value("registration_opens_at"), value("registration_closes_at")
    if opens and closes and closes <= opens:
        raise EventInvalid("报名截止时间需晚于报名开始时间", field="registration_closes_at")
    if not value("is_online") and not (value("place") or "").strip():
        raise EventInvalid("请填写活动地点（或选择线上活动）", field="place")
    return fields


def _snapshot(event: Event) -> dict:
    data = {name: getattr(event, name) for name in EDITABLE_FIELDS if name != "cover"}
    data |= {"cover": event.cover.name if event.cover else "", "status": event.status}
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}


def _notify_proposer(event: Event, *, subject: str, text: str) -> None:
    if event.proposed_by_id is None:
        return
    message_send(
        recipient=recipient_for_person(event.proposed_by),
        message=Message(
            purpose="events", subject=subject, text=text, url=reverse("events:detail", args=[event.public_id])
        ),
        idempotency_key=f"events.proposal:{event.pk}:{event.status}",
    )


def _with_keys(event: Event) -> Event:
    event.signing_key, event.verify_key = new_keypair()
    return event


def event_create(*, organization: Organization, actor, ticket_types=None, **fields) -> Event:
    """Create a draft event for ``organization`` (with a free ticket type unless others are given)."""
    _require(can_manage(actor, organization), "你没有为该组织创建活动的权限")
    fields = _clean(dict(fields), allowed=EDITABLE_FIELDS)
    with transaction.atomic():
        event = _with_keys(Event(organization=organization, created_by=actor, **fields))
        event.save()
        for order, spec in enumerate(ticket_types or [{"name": "普通票"}]):
            _ticket_type_write(event, spec, order=order)
        audit_record(
            actor=actor,
            action="events.event_create",
            target=event,
            summary=f"创建活动：{event.title}",
            after=_snapshot(event),
        )
    return event


def event_update(*, event: Event, actor, **fields) -> Event:
    """Change an event's details (capacity never below the places already taken)."""
    _require(can_manage_event(actor, event))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        fields = _clean(dict(fields), allowed=EDITABLE_FIELDS, current=locked)
        before = _snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save()
        # More room (or none needed any more): the waitlist goes first.
        waitlist_promote(event=locked)
        locked.refresh_from_db(fields=["confirmed_count"])
        audit_record(
            actor=actor,
            action="events.event_update",
            target=locked,
            summary=f"修改活动：{locked.title}",
            before=before,
            after=_snapshot(locked),
        )
    return locked


def event_publish(*, event: Event, actor) -> Event:
    """Publish a draft (or a rejected proposal after fixing it): alumni see it and may register."""
    _require(can_manage_event(actor, event))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.is_deleted or locked.status == EventStatus.PUBLISHED:
            raise EventStateConflict("活动已发布" if not locked.is_deleted else "活动已删除")
        if not locked.ticket_types.filter(is_active=True).exists():
            raise EventStateConflict("请至少设置一个可报名的票种", code="no_ticket_type")
        before = locked.status
        locked.status = EventStatus.PUBLISHED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="events.event_publish",
            target=locked,
            summary=f"发布活动：{locked.title}",
            before={"status": before},
            after={"status": locked.status},
        )
    return locked


def event_propose(*, person, organization: Organization, **fields) -> Event:
    """An alumnus proposes an event; it waits for the organization's admins to review it."""
    fields = _clean(dict(fields), allowed=PROPOSAL_FIELDS)
    with transaction.atomic():
        event = _with_keys(
            Event(organization=organization, proposed_by=person, status=EventStatus.PENDING, **fields)
        )
        event.save()
        _ticket_type_write(event, {"name": "普通票"}, order=0)
        audit_record(
            actor=None,
            action="events.event_propose",
            target=event,
            summary=f"{person.name}发起活动：{event.title}",
            after=_snapshot(event),
        )
    return event


def event_review(*, event: Event, actor, approve: bool, reason: str = "") -> Event:
    """Publish or reject (with a reason the proposer is told) an alumnus's proposal."""
    _require(can_manage_event(actor, event), "你没有审核该活动的权限")
    reason = (reason or "").strip()[:200]
    if not approve and not reason:
        raise EventInvalid("请填写不通过的原因", field="reason")
    with transaction.atomic():
        locked = Event.objects.select_for_update(of=("self",)).select_related("proposed_by").get(pk=event.pk)
        if locked.status != EventStatus.PENDING or locked.is_deleted:
            raise EventStateConflict(f"该活动已{locked.get_status_display()}")
        locked.status = EventStatus.PUBLISHED if approve else EventStatus.REJECTED
        locked.reject_reason = "" if approve else reason
        locked.save(update_fields=["status", "reject_reason", "updated_at"])
        audit_record(
            actor=actor,
            action="events.event_approve" if approve else "events.event_reject",
            target=locked,
            summary=f"{'通过' if approve else '未通过'}活动申请：{locked.title}"
            + (f"（{reason}）" if reason else ""),
            before={"status": EventStatus.PENDING},
            after={"status": locked.status, "reason": reason},
        )
        if approve:
            _notify_proposer(
                locked, subject="活动申请已通过", text=f"你发起的活动“{locked.title}”已通过审核并发布。"
            )
        else:
            _notify_proposer(
                locked, subject="活动申请未通过", text=f"你发起的活动“{locked.title}”未通过审核：{reason}"
            )
    return locked


def event_set_flags(
    *, event: Event, actor, pinned: bool | None = None, recommended: bool | None = None
) -> Event:
    """Pin an event to the top of lists and/or recommend it."""
    _require(can_manage_event(actor, event))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        before = {"pinned": locked.is_pinned, "recommended": locked.is_recommended}
        if pinned is not None:
            locked.is_pinned = pinned
        if recommended is not None:
            locked.is_recommended = recommended
        locked.save(update_fields=["is_pinned", "is_recommended", "updated_at"])
        after = {"pinned": locked.is_pinned, "recommended": locked.is_recommended}
        audit_record(
            actor=actor,
            action="events.event_flags",
            target=locked,
            summary=f"设置活动：{locked.title}（置顶：{'是' if locked.is_pinned else '否'}，"
            f"推荐：{'是' if locked.is_recommended else '否'}）",
            before=before,
            after=after,
        )
    return locked


def event_delete(*, event: Event, actor) -> Event:
    """Remove an event from every list; refused while registrations are live (cancel them first)."""
    _require(can_manage_event(actor, event))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        live = locked.registrations.filter(status__in=LIVE_STATUSES).count()
        if live:
            raise EventStateConflict(
                f"该活动还有 {live} 个有效报名，请先取消报名", code="event_has_registrations"
            )
        locked.is_deleted = True
        locked.save(update_fields=["is_deleted", "updated_at"])
        audit_record(
            actor=actor,
            action="events.event_delete",
            target=locked,
            summary=f"删除活动：{locked.title}",
            before={"status": locked.status},
        )
    return locked


# --- ticket types and invitation codes -----------------------------------------------------------


def _ticket_type_write(
    event: Event, spec: dict, *, order: int, ticket_type: TicketType | None = None
) -> TicketType:
    name = str(spec.get("name", "")).strip()[:40]
    if not name:
        raise EventInvalid("请填写票种名称", field="ticket_types")
    price = spec.get("price", 0) or 0
    quota = spec.get("quota")
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise EventInvalid("票价需为不小于 0 的整数（分）", field="ticket_types")
    if quota is not None and (not isinstance(quota, int) or quota < 1):
        raise EventInvalid("票种名额至少为 1（不限请留空）", field="ticket_types")
    tt = ticket_type or TicketType(event=event)
    if ticket_type is not None and quota is not None and quota < tt.sold:
        raise EventInvalid(f"票种“{name}”已有 {tt.sold} 人，名额不能更低", field="ticket_types")
    tt.name, tt.price, tt.quota = name, price, quota
    tt.description = str(spec.get("description", ""))[:200]
    tt.currency = str(spec.get("currency") or "CNY").upper()[:3]
    tt.is_active = bool(spec.get("is_active", True))
    tt.sort_order = order
    tt.save()
    return tt


def ticket_types_save(*, event: Event, actor, specs: list[dict]) -> list[TicketType]:
    """Create or change an event's ticket types (``id`` in a spec names an existing one)."""
    _require(can_manage_event(actor, event))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        existing = {tt.pk: tt for tt in locked.ticket_types.all()}
        saved = []
        for order, spec in enumerate(specs):
            current = existing.get(int(spec["id"])) if spec.get("id") else None
            if spec.get("id") and current is None:
                raise EventInvalid("票种不存在", field="ticket_types")
            saved.append(_ticket_type_write(locked, spec, order=order, ticket_type=current))
        waitlist_promote(event=locked)
        audit_record(
            actor=actor,
            action="events.ticket_types",
            target=locked,
            summary=f"设置活动票种：{locked.title}",
            after={"ticket_types": [{"name": t.name, "price": t.price, "quota": t.quota} for t in saved]},
        )
    return saved


def invitation_codes_create(
    *, event: Event, actor, count: int = 1, note: str = "", max_uses: int = 1, ticket_type=None
) -> list[InvitationCode]:
    """Issue VIP invitation codes; each use takes a place within capacity and skips approval."""
    _require(can_manage_event(actor, event))
    if not 1 <= count <= 500 or not 1 <= max_uses <= 100:
        raise EventInvalid("一次最多生成 500 个邀请码，每个最多使用 100 次", field="count")
    if ticket_type is not None and ticket_type.event_id != event.pk:
        raise EventInvalid("票种不属于该活动", field="ticket_type")
    with transaction.atomic():
        taken = set(InvitationCode.objects.filter(event=event).values_list("code", flat=True))
        codes = []
        while len(codes) < count:
            # No 0/O/1/I: codes are read aloud and typed on phones.
            code = "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
            if code not in taken:
                taken.add(code)
                codes.append(
                    InvitationCode(
                        event=event, code=code, note=note[:100], max_uses=max_uses, ticket_type=ticket_type
                    )
                )
        InvitationCode.objects.bulk_create(codes)
        audit_record(
            actor=actor,
            action="events.invitation_codes",
            target=event,
            summary=f"为活动“{event.title}”生成 {count} 个邀请码" + (f"（{note}）" if note else ""),
            after={"count": count, "max_uses": max_uses, "note": note},
        )
    return codes


# --- blacklist ----------------------------------------------------------------------------------


def blacklist_add(*, person, actor, reason: str, until: datetime | None = None) -> BlacklistEntry:
    """Bar an alumnus from registering (school admins only); the reason is shown to them."""
    _require(is_school_admin(actor), "只有学校管理员可以管理活动黑名单")
    reason = (reason or "").strip()[:200]
    if not reason:
        raise EventInvalid("请填写原因（会告知本人）", field="reason")
    if until is not None and until <= timezone.now():
        raise EventInvalid("截止时间需晚于现在", field="until")
    with transaction.atomic():
        entry, _created = BlacklistEntry.objects.update_or_create(
            person=person, defaults={"reason": reason, "until": until, "created_by": actor}
        )
        audit_record(
            actor=actor,
            action="events.blacklist_add",
            target=entry,
            summary=f"将{person.name}加入活动黑名单：{reason}",
            after={"reason": reason, "until": until.isoformat() if until else None},
        )
    return entry


def blacklist_remove(*, entry: BlacklistEntry, actor) -> None:
    """Let a blacklisted alumnus register again."""
    _require(is_school_admin(actor), "只有学校管理员可以管理活动黑名单")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="events.blacklist_remove",
            target=entry,
            summary=f"将{entry.person.name}移出活动黑名单",
            before={"reason": entry.reason},
        )
        entry.delete()
