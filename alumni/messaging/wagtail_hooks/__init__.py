"""Wagtail admin integration of the messaging app, one submodule per area.

Wagtail imports ``alumni.messaging.wagtail_hooks``; each area appends one import line below.
"""

from alumni.messaging.wagtail_hooks import (  # noqa: F401
    campaigns,
    invites,
    logs,
    menu,
    settings,
    sms,
)
