"""Settings for a Celery worker process that sends campaign e-mail to a test SMTP server.

saas.settings.test hard-codes the locmem backend (the suite never sends real mail); the
real-worker campaign test starts its workers with this module instead. EMAIL_HOST / EMAIL_PORT
come from the environment through saas.settings.base (the test sets them to its sink).
"""

from saas.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = 10
