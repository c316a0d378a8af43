"""Settings for bench/checkin.py's gunicorn: production-like base, persistent DB connections.

Production reaches PostgreSQL through a session pooler (docs: never transaction pooling), which
keeps server backends alive between requests; the bench has no pooler, so Django keeps its
connections open instead (``BENCH_CONN_MAX_AGE``, default 60 s; ``0`` = a new backend per request).
"""

import os

from saas.settings.base import *  # noqa: F403

DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("BENCH_CONN_MAX_AGE", "60"))  # noqa: F405
