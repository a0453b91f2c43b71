"""Who is acting, for the log lines of the domain's services.

The web sets the signed-in user for each request (dashboard.logs.RequestLogMiddleware); a
command or a background task may name who it acts for with `acting_as`. The log handler's
filter puts it on every line as `user`, so a service logs what it did and the line says who.
"""

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

current_user: ContextVar[str | None] = ContextVar("serapan_current_user", default=None)

imports_log = logging.getLogger("serapan.imports")

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def acting_as(username: str | None) -> Iterator[None]:
    token = current_user.set(username)
    try:
        yield
    finally:
        current_user.reset(token)


def logs_refusal(kind: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Log a refused file (one WARNING on serapan.imports: who, which kind of file, how many
    errors, the first one) on its way out of the importer; the caller still gets ImportRefused."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            # Here, not at the top: budget.importing imports this module.
            from budget.importing.errors import ImportRefused

            try:
                return function(*args, **kwargs)
            except ImportRefused as refused:
                actor = kwargs.get("actor")
                user = getattr(getattr(actor, "user", None), "username", None)
                first = refused.errors[0] if refused.errors else None
                imports_log.warning(
                    "import refused",
                    extra={
                        "action": "import_refused",
                        "kind": kind,
                        "dry_run": bool(kwargs.get("dry_run", False)),
                        "errors": len(refused.errors),
                        "first_error": first.as_dict() if first else None,
                        **({"user": user} if user else {}),
                    },
                )
                raise

        return wrapper

    return decorate
