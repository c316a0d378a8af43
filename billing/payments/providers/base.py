"""The one interface every payment provider implements, and the values that cross it.

A provider turns our Payment into something the payer can pay (``start``), tells us what happened
(``query``, and ``parse_webhook`` for what it pushes to us), refunds, and closes unpaid orders.
Providers never change the database: they return values and the services apply them, so the
state machine, dedupe and signals live in one place (billing.payments.services).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from billing.payments.models import Payment, ProviderAccount, Refund

Status = Literal["succeeded", "pending", "failed", "cancelled"]


class ProviderError(Exception):
    """The provider refused or could not be reached; ``message`` is safe to show to an admin."""

    def __init__(self, message: str, *, code: str = "provider_error", retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


class InvalidSignature(Exception):
    """A webhook/notify whose signature, timestamp or shape we cannot trust. Never acted upon."""


@dataclass(frozen=True)
class PayerContext:
    """Who pays from where: decides the channel (JSAPI needs the payer's openid)."""

    channel: str = ""  # "checkout" (Stripe), "jsapi" (WeChat H5), "mini" (mini-program), "sandbox"
    openid: str = ""
    client_ip: str = "127.0.0.1"
    return_url: str = ""  # absolute URL the payer comes back to
    notify_url: str = ""  # absolute URL of the platform webhook for this provider
    locale: str = "zh"


@dataclass(frozen=True)
class Checkout:
    """What ``start`` returns: the provider's id for the order and what the client must do."""

    provider_ref: str
    # {"type": "redirect", "url": …} | {"type": "jsapi", "params": {…}} | {"type": "mini", "params": {…}}
    # | {"type": "sandbox", "url": …}
    action: dict


@dataclass(frozen=True)
class PaymentStatus:
    """The provider's view of one payment (from a query or a webhook)."""

    reference: str
    status: Status
    provider_ref: str = ""
    amount: int | None = None  # fen actually paid, when the provider says
    currency: str | None = None
    failure_reason: str = ""


@dataclass(frozen=True)
class RefundStatus:
    reference: str  # our Refund.reference
    status: Literal["succeeded", "pending", "failed"]
    provider_ref: str = ""
    failure_reason: str = ""


@dataclass(frozen=True)
class Notification:
    """One verified event from a provider, ready for services.webhook_process.

    ``event_id`` is the provider's own id for the delivery's event (Stripe ``evt_…``; for WeChat,
    which has no event id, the transaction id plus the result) and is the dedupe key.
    """

    event_id: str
    type: str
    payment: PaymentStatus | None = None
    refund: RefundStatus | None = None
    created: int | None = None  # provider timestamp (seconds), for logs and ordering
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookReply:
    status: int
    body: str
    content_type: str = "application/json"


class PaymentProvider(abc.ABC):
    code: ClassVar[str]
    label: ClassVar[str]
    # Channels this provider can take payments through; the pay page offers these.
    channels: ClassVar[tuple[str, ...]]

    def __init__(self, account: ProviderAccount | None, *, schema_name: str):
        self.account = account
        self.schema_name = schema_name

    @abc.abstractmethod
    def start(self, payment: Payment, payer: PayerContext) -> Checkout:
        """Create the order at the provider (idempotently) and say how the payer pays."""

    @abc.abstractmethod
    def query(self, payment: Payment) -> PaymentStatus:
        """Ask the provider what happened to this payment (when a notify never came)."""

    @abc.abstractmethod
    def refund(self, refund: Refund, payer_total: int) -> RefundStatus:
        """Ask the provider to give `refund.amount` back; `payer_total` is what was paid."""

    def close(self, payment: Payment) -> None:  # noqa: B027 - optional for providers without orders
        """Close an unpaid order so it can no longer be paid (expired or abandoned)."""

    @classmethod
    @abc.abstractmethod
    def route(cls, body: bytes, headers) -> str | None:
        """The school (schema name) a webhook claims to be for. Untrusted until parse_webhook."""

    @abc.abstractmethod
    def parse_webhook(self, body: bytes, headers) -> list[Notification]:
        """Verify the delivery with this school's secret and translate it; raise InvalidSignature."""

    @classmethod
    def webhook_reply(cls, *, ok: bool, message: str = "") -> WebhookReply:
        """The answer the provider expects (a non-2xx makes it retry later)."""
        if ok:
            return WebhookReply(200, '{"received": true}')
        return WebhookReply(400, '{"received": false}')
