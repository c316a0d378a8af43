"""The events app's models, one module per area; Django finds them through these imports."""

from alumni.events.models.checkin import Gate, Scan, ScanResult
from alumni.events.models.community import Comment, Moderation, Photo
from alumni.events.models.events import (
    BlacklistEntry,
    Event,
    EventStatus,
    Favourite,
    InvitationCode,
    TicketType,
    Visibility,
)
from alumni.events.models.lottery import Draw, Winner
from alumni.events.models.registrations import LIVE_STATUSES, Registration, RegistrationStatus, Ticket
from alumni.events.models.seating import Seat, SeatPlan

__all__ = [
    "LIVE_STATUSES",
    "BlacklistEntry",
    "Comment",
    "Draw",
    "Event",
    "EventStatus",
    "Favourite",
    "Gate",
    "InvitationCode",
    "Moderation",
    "Photo",
    "Registration",
    "RegistrationStatus",
    "Scan",
    "ScanResult",
    "Seat",
    "SeatPlan",
    "Ticket",
    "TicketType",
    "Visibility",
    "Winner",
]
