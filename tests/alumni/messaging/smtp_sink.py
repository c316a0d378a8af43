"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 (free port) keeping every accepted message.

A message counts only once the client has sent the final ``.`` of DATA (that is when aiosmtpd
calls ``handle_DATA``); a connection dropped before it leaves nothing, as at a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections import Counter
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """Records (recipient, raw message) for each accepted message; `delay` slows each one down."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self._lock = threading.Lock()
        self.messages: list[tuple[str, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt.lower(), envelope.original_content or envelope.content))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def counts(self) -> Counter:
        with self._lock:
            return Counter(rcpt for rcpt, _ in self.messages)

    def parsed(self, rcpt: str) -> list[EmailMessage]:
        with self._lock:
            raws = [raw for r, raw in self.messages if r == rcpt.lower()]
        return [message_from_bytes(raw, policy=policy.default) for raw in raws]


@contextlib.contextmanager
def smtp_sink(delay: float = 0.0):
    """Yield (sink, port) while a real SMTP server listens on 127.0.0.1:port."""
    sink = Sink(delay)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
