"""Log lines that say who asked: the signed-in user and the request on every line, and one
line per request that Django answers (static files, answered by WhiteNoise before, are not)."""

import logging
import time
from contextvars import ContextVar

from django.http import HttpRequest
from django.utils.functional import empty

from budget.logs import current_user

current_request: ContextVar[HttpRequest | None] = ContextVar(
    "serapan_current_request", default=None
)
request_log = logging.getLogger("serapan.request")


def _username(request: HttpRequest) -> str | None:
    """The signed-in user's name, without loading a user the request has not loaded (a log
    line must not query the database, which may be the thing that failed)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.get_username() if user.is_authenticated else None


class ContextFilter(logging.Filter):
    """Adds `user` (when known), `method` and `path` (during a request) to every record.

    django.request's records carry the request themselves: they are logged after the
    middleware has returned, when the request's context is gone.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = current_request.get()
        if request is not None:
            record.method = getattr(record, "method", request.method)
            record.path = getattr(record, "path", request.path)
        if getattr(record, "user", None) is None:
            record.user = (_username(request) if request is not None else None) or (
                current_user.get()
            )
        return True


class RequestLogMiddleware:
    """Sets the request's context for the log lines written while it runs, and logs one line
    when it is answered: method, path, status, duration and user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        started = time.monotonic()
        request_token = current_request.set(request)
        user_token = current_user.set(None)
        try:
            response = self.get_response(request)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            current_user.reset(user_token)
            current_request.reset(request_token)
