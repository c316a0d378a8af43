from saas.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_FAN_OUT_JITTER_SECONDS = 0
CELERY_TASK_ALWAYS_EAGER = True  # tests/test_celery_worker.py points the app at a real broker itself
PAYMENTS_SANDBOX_ENABLED = True
