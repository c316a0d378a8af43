"""Settings for bench/email_campaign.py: production-like base, its own queue, parallel senders.

Both the bench body (which starts the campaign) and its workers use this module, so a task the
worker re-queues after its time slice lands on the bench's queue, not on the shared default one.
"""

import os

from saas.settings.base import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["BENCH_QUEUE"]
EMAIL_CAMPAIGN_PARALLEL = int(os.environ.get("EMAIL_CAMPAIGN_PARALLEL", "1"))
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_TIMEOUT = 30
