from saas.settings.base import *  # noqa: F403

DEBUG = True

# Development pays through the sandbox (base.py computed it before DEBUG was set here).
PAYMENTS_SANDBOX_ENABLED = env_bool("PAYMENTS_SANDBOX_ENABLED", True)  # noqa: F405
