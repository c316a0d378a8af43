from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "alumni.people"
    label = "people"
    verbose_name = _("校友档案")
    default_auto_field = "django.db.models.BigAutoField"
