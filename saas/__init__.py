# Load the Celery app with Django so that shared tasks bind to it (tenant-aware TenantTask).
from saas.celery import app as celery_app

__all__ = ("celery_app",)
