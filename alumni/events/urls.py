"""H5 pages of the events app (/events/…), one URL module per area."""

from django.urls import include, path

app_name = "events"

urlpatterns = [
    # Each area adds its line: path("", include("alumni.events.urls_<area>")),
    path("", include("alumni.events.urls_tickets")),
    path("", include("alumni.events.urls_checkin")),
    path("", include("alumni.events.urls_h5")),
    path("", include("alumni.events.urls_draws")),
]
