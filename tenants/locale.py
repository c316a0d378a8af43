"""Chinese first: the UI language is the visitor's explicit choice, else zh-hans.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to English
would see English before anyone chose it. Here only the language cookie (set by the 中文/English
switch, /i18n/setlang/) changes the language; Wagtail's admin still applies each user's own
preference on top.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
