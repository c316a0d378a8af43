"""Back office of the events app: each area registers its own admin views and menu items."""

# Each area adds its import here.
from alumni.events.wagtail_hooks import (
    checkin,  # noqa: F401
    community,  # noqa: F401
    events,  # noqa: F401
    lottery,  # noqa: F401
)
