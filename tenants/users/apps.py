from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "tenants.users"
    label = "users"
    verbose_name = _("用户")
    default_auto_field = "django.db.models.BigAutoField"
