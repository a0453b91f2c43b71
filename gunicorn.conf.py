"""gunicorn's settings for `make serve` (scripts/serve.py) and a systemd unit.

    gunicorn -c gunicorn.conf.py dashboard.wsgi

Environment:
    WEB_CONCURRENCY   worker processes (default: 2 x CPU cores + 1, at most 8)
    GUNICORN_TIMEOUT  seconds a request may take before its worker is restarted (default 120)
    GUNICORN_BIND     address (default 127.0.0.1:8000; `make serve ADDR=host:port` sets it)

Sync workers: each request holds one worker and one database connection for its duration;
the pages are short PostgreSQL reads, so a worker per core plus as many waiting on the
database is the usual count (gunicorn's advice, 2 x cores + 1), capped because every worker
holds the application (plotly, WeasyPrint: about 150 MB) and a PostgreSQL connection.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, got {value}")
    return value


wsgi_app = "dashboard.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
# A region PDF still renders inside its request until it runs as a background task.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
# Workers are replaced after this many requests (with jitter, not all at once): memory a
# big import or report took is given back.
max_requests = 1000
max_requests_jitter = 100
# The application is loaded once in the master and forked: faster start, shared memory.
preload_app = True
# Django logs each request with its user (serapan.request); gunicorn's own access log would
# only repeat it without the user.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# gunicorn's own lines (start, worker restarts, timeouts) as JSON too, like the application's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "json",
        }
    },
    # gunicorn merges this into its defaults, whose root logger names a handler of theirs.
    "root": {"handlers": ["stderr"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
# gunicorn's runtime control socket (gunicornc) is not used; one fewer file in $HOME.
control_socket_disable = True
# Forwarded headers (X-Forwarded-Proto, read by Django's SECURE_PROXY_SSL_HEADER) are trusted
# from the reverse proxy on this machine only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
