from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "alumni.events"
    label = "events"
    verbose_name = _("活动")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Payments → registrations (payment_succeeded / payment_refunded), privacy and todo seams.
        from alumni.events import receivers  # noqa: F401
