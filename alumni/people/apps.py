from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "alumni.people"
    label = "people"
    verbose_name = _("校友档案")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The search index follows record changes (persons_changed → a task in that school).
        from alumni.people import todos  # noqa: F401  (review-queue to-do, claim audit labels)
        from alumni.people.search import receivers  # noqa: F401
