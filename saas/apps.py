from django.apps import AppConfig


class SaasConfig(AppConfig):
    """The composition root: project-wide commands (bootstrap_demo) and templates."""

    name = "saas"
    verbose_name = "校友云"
