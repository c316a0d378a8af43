"""The SMS provider interface: send one templated text to one mainland mobile number.

Providers never touch the database: the channel passes the school's configuration in and stores
the outcome. Two failure kinds: ``SmsRejected`` (the provider said no: template not approved,
balance, bad number — retrying will not help) and ``SmsTransient`` (network trouble, throttling,
5xx — the task retries).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SmsConfig:
    provider: str = "console"
    access_key_id: str = ""
    access_key_secret: str = ""
    sign_name: str = ""
    app_id: str = ""  # Tencent's SmsSdkAppId
    schema: str = ""  # the console backend files messages per school


@dataclass(frozen=True)
class SmsSent:
    message_id: str
    raw: dict = field(default_factory=dict)


class SmsRejected(Exception):
    """The provider refused this message (do not retry)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class SmsTransient(Exception):
    """Network trouble or a provider-side hiccup (retry later)."""


class SmsProvider(ABC):
    name = "base"
    timeout = 10

    def __init__(self, config: SmsConfig):
        self.config = config

    @abstractmethod
    def send(self, *, phone: str, template: str, params: dict, text: str = "", out_id: str = "") -> SmsSent:
        """Send one SMS; ``text`` is what the console backend shows (cloud providers send templates)."""
