from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "alumni.messaging"
    label = "messaging"
    verbose_name = _("消息")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from alumni.messaging import plan_receivers  # noqa: F401  (SMS quota follows the plan)
