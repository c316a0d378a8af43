from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "billing.subscriptions"
    label = "subscriptions"
    verbose_name = _("学校套餐")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing.subscriptions import receivers  # noqa: F401  (trial on school_provisioned)
