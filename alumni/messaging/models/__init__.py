"""The messaging app's models, one module per area; Django finds them through these imports."""

from alumni.messaging.models.campaigns import (
    BUILTIN_TEMPLATES,
    CampaignRecipient,
    EmailCampaign,
    EmailTemplate,
)
from alumni.messaging.models.invites import Invitation, InvitationStatus
from alumni.messaging.models.logs import Channel, MessageLog, Notice, SmsUsage, Unsubscribe
from alumni.messaging.models.settings import MessagingSettings, SmsProvider
from alumni.messaging.models.sms import (
    BirthdayChannel,
    BirthdayGreeting,
    BirthdaySettings,
    SmsCampaign,
    SmsRecipient,
)

__all__ = [
    "BUILTIN_TEMPLATES",
    "BirthdayChannel",
    "BirthdayGreeting",
    "BirthdaySettings",
    "CampaignRecipient",
    "Channel",
    "EmailCampaign",
    "EmailTemplate",
    "Invitation",
    "InvitationStatus",
    "MessageLog",
    "MessagingSettings",
    "Notice",
    "SmsCampaign",
    "SmsProvider",
    "SmsRecipient",
    "SmsUsage",
    "Unsubscribe",
]
