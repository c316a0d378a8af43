"""Lottery rounds: create (commit to a sealed seed), run exactly once, delete before running.

The draw itself is the pure function in alumni/events/draws.py; this module freezes its inputs
(the eligible draw numbers at the moment of the draw) and stores its outputs atomically.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from alumni.core.pii import pii_decrypt, pii_encrypt
from alumni.core.services import audit_record
from alumni.events import draws
from alumni.events.errors import DrawAlreadyRun, DrawInvalid, DrawNoEligible, EventNotAllowed
from alumni.events.models import Draw, Event, Winner
from alumni.events.selectors.draws import draw_eligible_entries
from alumni.events.selectors.events import can_manage_event

MAX_WINNERS = 10_000


def _require_manager(actor, event: Event) -> None:
    if not can_manage_event(actor, event):
        raise EventNotAllowed()


def draw_create(
    *,
    event: Event,
    actor,
    name: str,
    prize: str,
    winners_count: int,
    eligibility: str = Draw.Eligibility.CHECKED_IN,
    exclude_previous_winners: bool = True,
) -> Draw:
    """Create a round and commit to its secret seed (the SHA-256 is public from now on)."""
    _require_manager(actor, event)
    name, prize = (name or "").strip(), (prize or "").strip()
    if not name or "\n" in name:
        raise DrawInvalid("请填写轮次名称", field="name")
    if not prize:
        raise DrawInvalid("请填写奖品", field="prize")
    if not 1 <= int(winners_count) <= MAX_WINNERS:
        raise DrawInvalid(f"中奖人数应在 1 到 {MAX_WINNERS} 之间", field="winners_count")
    if eligibility not in Draw.Eligibility.values:
        raise DrawInvalid("请选择抽奖范围", field="eligibility")
    seed = secrets.token_hex(32)
    with transaction.atomic():
        if Draw.objects.filter(event=event, name=name).exists():
            # The name is an input of the draw; two rounds sharing one would read alike on every page.
            raise DrawInvalid("本活动已有同名的抽奖轮次", field="name")
        order = (Draw.objects.filter(event=event).aggregate(m=Max("sort_order"))["m"] or 0) + 1
        draw = Draw.objects.create(
            event=event,
            name=name,
            prize=prize,
            winners_count=int(winners_count),
            eligibility=eligibility,
            exclude_previous_winners=exclude_previous_winners,
            seed_hash=draws.seed_hash(seed),
            sealed_seed=pii_encrypt(seed),
            sort_order=min(order, 32767),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        audit_record(
            actor=actor,
            action="events.draw_create",
            target=draw,
            summary=f"创建抽奖：{event.title} · {name}（{prize} × {draw.winners_count}）",
            after={"seed_hash": draw.seed_hash, "eligibility": eligibility, "count": draw.winners_count},
        )
    return draw


def draw_run(*, draw: Draw, actor) -> Draw:
    """Draw the winners once and reveal the seed; a second run (even a concurrent one) is refused."""
    _require_manager(actor, draw.event)
    with transaction.atomic():
        # Locking every round of the event serialises its draws, so "exclude earlier winners"
        # always sees the round that finished a moment ago.
        locked = {d.pk: d for d in Draw.objects.select_for_update().filter(event_id=draw.event_id)}
        current = locked.get(draw.pk)
        if current is None:
            raise DrawInvalid("该抽奖轮次已删除")
        if current.status != Draw.Status.COMMITTED:
            raise DrawAlreadyRun()
        by_entry = draw_eligible_entries(current)
        if not by_entry:
            raise DrawNoEligible()
        seed = pii_decrypt(current.sealed_seed)
        if not seed or draws.seed_hash(seed) != current.seed_hash:
            raise DrawInvalid("抽奖种子无法解密（密钥已更换？），请删除本轮后重新创建")
        entries = draws.sorted_entries(by_entry)
        winners = draws.draw_winners(seed, entries, current.name, current.winners_count)
        Winner.objects.bulk_create(
            [
                Winner(draw=current, ticket_id=by_entry[entry], rank=rank)
                for rank, entry in enumerate(winners, 1)
            ]
        )
        current.seed = seed
        current.sealed_seed = ""
        current.status = Draw.Status.DRAWN
        current.eligible_count = len(entries)
        current.eligible_digest = draws.eligible_digest(entries)
        current.eligible_entries = "\n".join(entries)
        current.drawn_at = timezone.now()
        current.save(
            update_fields=[
                "seed",
                "sealed_seed",
                "status",
                "eligible_count",
                "eligible_digest",
                "eligible_entries",
                "drawn_at",
            ]
        )
        audit_record(
            actor=actor,
            action="events.draw_run",
            target=current,
            summary=f"开奖：{current.event.title} · {current.name}，{len(entries)} 人参与，{len(winners)} 人中奖",
            after={"seed": seed, "eligible_digest": current.eligible_digest, "winners": winners[:100]},
        )
    return current


def draw_delete(*, draw: Draw, actor) -> None:
    """Delete a round that has not been drawn (a drawn round stays, it is public record)."""
    _require_manager(actor, draw.event)
    with transaction.atomic():
        locked = Draw.objects.select_for_update().filter(pk=draw.pk).first()
        if locked is None:
            return
        if locked.status != Draw.Status.COMMITTED:
            raise DrawAlreadyRun("已开奖的轮次不能删除")
        audit_record(
            actor=actor,
            action="events.draw_delete",
            target=locked,
            summary=f"删除抽奖：{locked.event.title} · {locked.name}",
            before={"seed_hash": locked.seed_hash},
        )
        locked.delete()
