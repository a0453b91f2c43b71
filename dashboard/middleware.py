"""Bahasa Indonesia by default; idle BPKAD sessions signed out.

Django's LocaleMiddleware follows the browser's Accept-Language, which on most office PCs says
English; Serapan's users expect Indonesian whatever their browser. English stays available
through Django i18n: a user who picks it (the `django_language` cookie set by Django's
set_language view) gets it.
"""

import logging
import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation

from budget.roles import actor_for


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


# The session keys of a BPKAD sign-in: its idle limit in seconds and the last request seen.
IDLE_LIMIT_KEY = "serapan_idle_limit"
LAST_SEEN_KEY = "serapan_last_seen"
# The last-seen time is written back at most this often, so that a page does not cost a
# session write on every request (the limit is then honoured to within this many seconds).
LAST_SEEN_RESOLUTION = 60

security_log = logging.getLogger("serapan.security")


def start_idle_clock(sender, request, user, **kwargs) -> None:
    """On sign-in (user_logged_in): a BPKAD user's session gets an idle limit. The role is
    read here, once, so that the requests after it cost no query."""
    minutes = settings.SERAPAN_BPKAD_IDLE_MINUTES
    if request is None or not minutes or not actor_for(user).is_bpkad:
        return
    request.session[IDLE_LIMIT_KEY] = minutes * 60
    request.session[LAST_SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Ends a BPKAD session idle for longer than its limit: the user is signed out and the
    request goes on as anonymous (LoginRequiredMiddleware then asks to sign in again).

    Checked against the time kept in the session, on the server: a browser that keeps its
    cookie does not keep the session. Other roles' sessions have no limit of this kind.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        limit = session.get(IDLE_LIMIT_KEY)
        if limit:
            now = int(time.time())
            idle = now - session.get(LAST_SEEN_KEY, 0)
            if idle > limit:
                security_log.info(
                    "idle session ended",
                    extra={
                        "action": "idle_logout",
                        "user": request.user.get_username(),
                        "idle_seconds": idle,
                    },
                )
                logout(request)
            elif idle >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)
