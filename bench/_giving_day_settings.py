"""Settings for bench/giving_day.py: production-like base, the sandbox on, a credit counter app.

Both the bench body (which creates the payments and signs the events) and the server it starts
use this module, so they share SECRET_KEY (the sandbox's signing key derives from it).

Database connections: production reaches PostgreSQL through a session pooler (docs: never
transaction pooling), which keeps server backends alive between requests; the bench has no
pooler, so it keeps Django's connections open instead (``BENCH_CONN_MAX_AGE``, default 60 s;
``0`` measures a fresh backend per request, which a pooler-less deployment would pay).
"""

import os

from saas.settings.base import *  # noqa: F403

PAYMENTS_SANDBOX_ENABLED = True
INSTALLED_APPS = [*INSTALLED_APPS, "_giving_day_app.GivingDayBenchConfig"]  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("BENCH_CONN_MAX_AGE", "60"))  # noqa: F405
