import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # LocaleMiddleware leaves the last request's language active in the thread; a test that
    # switched to English must not make later tests see English.
    yield
    translation.activate(settings.LANGUAGE_CODE)
