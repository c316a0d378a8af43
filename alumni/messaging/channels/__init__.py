"""One module per channel behind the small interface in base.py; ``backend_for`` picks one."""

from __future__ import annotations

from alumni.messaging.channels.base import ChannelBackend, DeliveryFailed, DeliveryRetry


def backend_for(channel: str) -> ChannelBackend:
    from alumni.messaging.channels.email import EmailChannel
    from alumni.messaging.channels.inapp import InAppChannel
    from alumni.messaging.channels.sms import SmsChannel
    from alumni.messaging.channels.wechat import MiniProgramChannel, OfficialAccountChannel

    backends = {
        "email": EmailChannel,
        "sms": SmsChannel,
        "wechat": OfficialAccountChannel,
        "miniprogram": MiniProgramChannel,
        "inapp": InAppChannel,
    }
    if channel not in backends:
        raise ValueError(f"unknown channel {channel!r}")
    return backends[channel]()


__all__ = ["ChannelBackend", "DeliveryFailed", "DeliveryRetry", "backend_for"]
