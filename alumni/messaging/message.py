"""Recipient and Message: the plain values message_send takes (importable from every layer).

They live outside the services/selectors/models layers so selectors (recipients) can build them;
alumni.messaging.services.send re-exports them, which is where callers import them from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Recipient:
    """Who; build with alumni.messaging.selectors.recipients."""

    name: str = ""
    email: str = ""
    phone: str = ""
    user_id: int | None = None
    person_id: int | None = None
    wechat_openid: str = ""  # official account openid (from accounts.WeChatIdentity)
    miniprogram_openid: str = ""


@dataclass(frozen=True)
class Message:
    """What: one message, rendered already (placeholders filled) for this recipient."""

    purpose: str  # "campaign", "sms_campaign", "birthday", "invite", "notice", "claim", …
    subject: str = ""
    text: str = ""  # plain text (e-mail text part, in-app body, SMS text for the console backend)
    html: str = ""  # e-mail HTML (optional)
    sms_template: str = ""  # provider template code (Aliyun/Tencent send approved templates)
    sms_params: dict = field(default_factory=dict)
    wechat_template_id: str = ""
    wechat_data: dict = field(default_factory=dict)
    url: str = ""  # where the notice / WeChat message leads
    marketing: bool = False  # True: honour Unsubscribe for this purpose and for "" (all marketing)
    # Added to the contract (optional): the recipient's own unsubscribe link; e-mails carry it
    # in a List-Unsubscribe header.
    unsubscribe_url: str = ""
