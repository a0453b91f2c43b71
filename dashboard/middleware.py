"""Bahasa Indonesia by default.

Django's LocaleMiddleware follows the browser's Accept-Language, which on most office PCs says
English; Serapan's users expect Indonesian whatever their browser. English stays available
through Django i18n: a user who picks it (the `django_language` cookie set by Django's
set_language view) gets it.
"""

from django.conf import settings
from django.utils import translation


class DefaultLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
