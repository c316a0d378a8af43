"""The events API (/api/v1/events/…), one module per area."""

from django.urls import include, path

urlpatterns = [
    # Each area adds its line: path("", include("alumni.events.api.<area>")),
    path("", include("alumni.events.api.checkin")),
    path("", include("alumni.events.api.events")),
    path("", include("alumni.events.api.draws")),
]
