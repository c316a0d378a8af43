from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("学校与平台")
    default_auto_field = "django.db.models.BigAutoField"
