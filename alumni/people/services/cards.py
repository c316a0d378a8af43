"""Business-card exchange (交换名片) between verified alumni: request, accept, decline.

A request to yourself, or a second request where one is already pending or accepted, is refused
with a clear error. If the other person already asked you, asking them back accepts their request
(both clearly want it). After acceptance each sees the other's contact fields as far as the
other's privacy settings open them to exchange partners (see selectors.privacy).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from alumni.people.choices import Verification
from alumni.people.errors import CardDuplicate, CardInvalid, NotVerified
from alumni.people.models import CardExchange, Person

MESSAGE_MAX = 200


def _check_verified(person: Person, *, who: str) -> None:
    if person is None or person.verification != Verification.VERIFIED or person.merged_into_id:
        if who == "me":
            raise NotVerified("完成校友认证后才能交换名片")
        raise CardInvalid("对方不是已认证校友，不能交换名片")


def card_request(*, requester: Person, recipient: Person, message: str = "") -> CardExchange:
    """Ask another verified alumnus to exchange business cards (with a short message)."""
    _check_verified(requester, who="me")
    _check_verified(recipient, who="them")
    if requester.pk == recipient.pk:
        raise CardInvalid("不能和自己交换名片")
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise CardInvalid(f"附言不超过 {MESSAGE_MAX} 字", field="message")
    with transaction.atomic():
        # Lock both records in id order: two people asking each other at once cannot deadlock
        # or end up with two pending requests.
        list(Person.objects.select_for_update().filter(pk__in=[requester.pk, recipient.pk]).order_by("pk"))
        existing = {
            (e.requester_id, e.recipient_id): e
            for e in CardExchange.objects.filter(
                Q(requester=requester, recipient=recipient) | Q(requester=recipient, recipient=requester)
            )
        }
        mine = existing.get((requester.pk, recipient.pk))
        theirs = existing.get((recipient.pk, requester.pk))
        if CardExchange.Status.ACCEPTED in {e.status for e in existing.values()}:
            raise CardDuplicate(f"你和{recipient.name}已交换过名片")
        if theirs is not None and theirs.status == CardExchange.Status.PENDING:
            return _respond(theirs, CardExchange.Status.ACCEPTED)
        if mine is not None:
            raise CardDuplicate(f"你已向{recipient.name}发送过名片交换请求")
        try:
            with transaction.atomic():
                return CardExchange.objects.create(requester=requester, recipient=recipient, message=message)
        except IntegrityError:
            raise CardDuplicate(f"你已向{recipient.name}发送过名片交换请求") from None


def _respond(exchange: CardExchange, status: str) -> CardExchange:
    exchange.status = status
    exchange.responded_at = timezone.now()
    exchange.save(update_fields=["status", "responded_at"])
    return exchange


def _pending_for(exchange: CardExchange, person: Person) -> CardExchange:
    exchange = CardExchange.objects.select_for_update().select_related("requester").get(pk=exchange.pk)
    if exchange.recipient_id != person.pk:
        raise CardInvalid("只有接收人可以回应名片请求")
    if exchange.status != CardExchange.Status.PENDING:
        raise CardDuplicate("该请求已回应过")
    return exchange


def card_accept(*, exchange: CardExchange, person: Person) -> CardExchange:
    """The recipient accepts: from now on both see each other's contact fields."""
    _check_verified(person, who="me")
    with transaction.atomic():
        return _respond(_pending_for(exchange, person), CardExchange.Status.ACCEPTED)


def card_decline(*, exchange: CardExchange, person: Person) -> CardExchange:
    """The recipient declines (the requester sees 已婉拒; nothing is shared)."""
    with transaction.atomic():
        return _respond(_pending_for(exchange, person), CardExchange.Status.DECLINED)


__all__ = ["card_accept", "card_decline", "card_request"]
