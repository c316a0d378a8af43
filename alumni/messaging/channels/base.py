"""The channel interface: where a recipient is reached and how one logged message is delivered.

A channel never decides *whether* to send (message_send does: unsubscribes, idempotency, quota);
it only knows the recipient's address on it, whether the school configured it, and how to hand
one MessageLog to the outside world.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class DeliveryFailed(Exception):
    """Definitive failure (do not retry); ``bounced`` when the address itself was refused."""

    def __init__(self, reason: str, *, bounced: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.bounced = bounced


class DeliveryRetry(Exception):
    """Temporary trouble (network, provider busy): try again later."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ChannelBackend(ABC):
    channel = ""
    missing_address = "没有收件地址"

    @abstractmethod
    def address(self, recipient) -> str:
        """The recipient's raw address on this channel ("" when there is none)."""

    def normalize(self, address: str) -> str:
        """The address in canonical form; raises AddressInvalid."""
        return address

    def unavailable_reason(self, message) -> str:
        """Why this school cannot send `message` on this channel now ("" when it can)."""
        return ""

    @abstractmethod
    def deliver(self, log) -> str:
        """Hand one log to the outside world; returns the provider's message id."""


def messaging_settings():
    """This school's MessagingSettings (unsaved defaults when the admin never saved the page)."""
    from alumni.messaging.models import MessagingSettings

    return MessagingSettings.base_queryset().first() or MessagingSettings()


def current_school():
    from django.db import connection

    return getattr(connection, "tenant", None)
