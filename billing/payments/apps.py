from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "billing.payments"
    label = "payments"
    verbose_name = _("支付")
    default_auto_field = "django.db.models.BigAutoField"
