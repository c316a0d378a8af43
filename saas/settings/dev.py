from saas.settings.base import *  # noqa: F403

DEBUG = True
