from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "alumni.network"
    label = "network"
    verbose_name = _("校友组织")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Plugs the network into other apps' seams: the privacy "chapters" rule, the "chapter"
        # campaign recipient source, the officer invitation handlers and school provisioning.
        from alumni.network import receivers  # noqa: F401
