"""Settings for Serapan, read from the environment.

DATABASE_URL  PostgreSQL URL (required; `make run` / `make test` start an embedded server
              and set it when it is missing)
SECRET_KEY    required to serve pages with DEBUG off (the WSGI application, runserver,
              check --deploy); other commands without one sign with a random key of
              their own process. SECRET_KEY_FILE names a file holding it instead (`make
              serve` writes .data/secret_key, mode 600, when neither is set)
DEBUG         off by default; `make run` and the test suite turn it on
ALLOWED_HOSTS comma-separated
LOG_LEVEL     DEBUG, INFO (default), WARNING, ERROR; LOG_FORMAT json (default) or text
The production HTTPS settings (SECURE_*, *_COOKIE_SECURE, CSRF_TRUSTED_ORIGINS), the
Content-Security-Policy and SERAPAN_BPKAD_IDLE_MINUTES are described where they are set.
SERAPAN_TASK_BACKEND  `database` (default: the queue in PostgreSQL, run by `manage.py
              db_worker`) or `immediate` (tasks run inside the request; the test suite)
SERAPAN_IMPORT_TASK_ROWS  files of this many rows or more are imported by the worker (5000)
"""

import os
import secrets
import sys
import warnings
from pathlib import Path

import environ
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from pythonjsonlogger.core import RESERVED_ATTRS
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


DEBUG = _env_bool("DEBUG", False)


def _serving() -> bool:
    """Whether this process serves pages: sessions, CSRF tokens and password resets are then
    signed with the key and must outlive the process."""
    if os.environ.get("SERAPAN_WSGI") == "1":  # set by dashboard/wsgi.py
        return True
    command = sys.argv[1:2]
    return command == ["runserver"] or (command == ["check"] and "--deploy" in sys.argv)


def _secret_key_from_file() -> str:
    path = env.str("SECRET_KEY_FILE", default="")
    if not path:
        return ""
    try:
        key = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"SECRET_KEY_FILE {path!r} cannot be read: {exc}") from exc
    if not key:
        raise ImproperlyConfigured(f"SECRET_KEY_FILE {path!r} is empty")
    return key


SECRET_KEY = env.str("SECRET_KEY", default="") or _secret_key_from_file()
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 (debug only)
    elif _serving():
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (or SECRET_KEY_FILE, naming a file that "
            "holds it); `make serve` generates one in .data/secret_key when neither is set"
        )
    else:
        # A command (import, report, migrate) signs nothing that outlives it: a random key of
        # its own, never a known one.
        SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` or `make test` (they start an embedded "
        "PostgreSQL), or point DATABASE_URL at a PostgreSQL server, e.g. "
        "postgres://postgres@127.0.0.1:5432/serapan"
    )
try:
    _db = env.db("DATABASE_URL")
except Exception as exc:  # environ raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if _db.get("ENGINE") != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Serapan runs on PostgreSQL only: DATABASE_URL must be postgres://")
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# PostgreSQL's JIT compiles the roll-up queries on every call because their cost estimates
# are high, and spends longer compiling than executing (0,5 s of 1,3 s on 90.000 DPA lines,
# docs/PERFORMANCE.md). Off for this application's connections only.
_db.setdefault("OPTIONS", {})
_db["OPTIONS"].setdefault("options", "-c jit=off")
_db.setdefault("TEST", {})
if env.str("TEST_DATABASE_NAME", default=""):
    _db["TEST"]["NAME"] = env.str("TEST_DATABASE_NAME")
DATABASES = {"default": _db}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver serves static files through WhiteNoise too, as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_tables2",
    "django_filters",
    "pgtrigger",
    "dashboard.apps.PGHistoryConfig",  # pghistory, under an Indonesian admin heading
    "pghistory.admin",
    "dashboard.apps.AxesConfig",  # axes, likewise
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's assets, served locally (no CDN)
    "csp",
    "django_tasks",
    "dashboard.apps.TasksConfig",  # django_tasks_db, under an Indonesian admin heading
    "budget",
    "dashboard",
    "jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (hashed names, gzip and brotli) answered before anything touches the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dashboard.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who is asking goes into every log line; one line per request (serapan.request).
    "dashboard.logs.RequestLogMiddleware",
    # BPKAD sessions end after SERAPAN_BPKAD_IDLE_MINUTES without a request.
    "dashboard.middleware.IdleSessionMiddleware",
    # Every page needs a signed-in user; the login page itself is exempt.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Who changed what: the signed-in user and the URL go into every history event.
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Lockout after repeated failed logins; must come last.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "dashboard.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "dashboard.wsgi.application"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js is the "basic" partial bundle (scatter, bar, pie: every chart we draw), vendored
# under static/vendor/plotly/ with its version and licence; see docs/PERFORMANCE.md.
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# With DEBUG off, `collectstatic` (run by `make serve`) writes each file under a name with its
# content's hash, gzip and brotli beside it, and a manifest the templates' {% static %} reads;
# WhiteNoise answers those with a year's `immutable` cache lifetime. With DEBUG on (make run,
# the tests) files are found where they lie, as edited, and no manifest is needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if DEBUG:
    # Files are served from where they lie (WhiteNoise's finders): no collected copy needed.
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
# Only the hashed names are kept (every page links through {% static %}), and source maps,
# read by a developer's browser tools only, are not compressed: collectstatic does half the
# work.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
WHITENOISE_MAX_AGE = 0 if DEBUG else 60 * 60  # files without a hash in their name

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"


# --- Login hardening ---------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# django-axes: five failed logins for one user name from one address lock that pair out for
# fifteen minutes; a successful login resets the count.
AXES_ENABLED = _env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # Production sits behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto.
    # SECURE_SSL_REDIRECT=0 is for plain HTTP on loopback (a load test, a first look): the
    # cookies are then not marked Secure either, or no client would send them back over HTTP.
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", SECURE_SSL_REDIRECT)
    CSRF_COOKIE_SECURE = _env_bool("CSRF_COOKIE_SECURE", SECURE_SSL_REDIRECT)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    # The header covers the host Serapan runs on and its subdomains only (serapan.<pemda>.go.id
    # and below), never the pemda's other sites.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
    if not SECURE_HSTS_PRELOAD:
        # Preloading is the domain owner's decision for the whole registrable domain (the
        # browsers' list takes apex domains only, e.g. the pemda's go.id name); a host of it
        # cannot opt in alone, so check --deploy's reminder says nothing the operator can act
        # on here. SECURE_HSTS_PRELOAD=1 adds the directive.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- JSON API (/api/v1/) --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Serapan API",
    # Translated (gettext_lazy): the schema, and so the docs page, speaks the request's language.
    "DESCRIPTION": _(
        "Budget absorption of a regional government's OPDs: regions, OPDs, DPA lines, "
        "realisasi, absorption at every level, ranking. Amounts are decimal strings in rupiah."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Browser security headers ------------------------------------------------------------------
# Content-Security-Policy (django-csp 4): scripts only from this site or inline with the nonce
# of the response (`<script nonce="{{ request.csp_nonce }}">`), never 'unsafe-inline' or
# 'unsafe-eval'. Styles allow 'unsafe-inline': plotly.js writes <style> elements and style
# attributes while it draws, the page's palette is a <style> block, and a style cannot run
# code. Images allow data: and blob: for plotly's "download as PNG" and Swagger UI's icons.
_csp_report_only = _env_bool("CSP_REPORT_ONLY", False)
_csp_policy = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if _csp_report_only:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy
else:
    CONTENT_SECURITY_POLICY = _csp_policy

# Permissions-Policy (django-permissions-policy): no page needs a device or sensor.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Sessions of BPKAD staff -------------------------------------------------------------------
# A BPKAD session verifies, reopens and imports for the whole region: it ends after this many
# minutes without a request (0: never idle out), checked on the server whatever the cookie
# says. Other roles keep SESSION_COOKIE_AGE.
SERAPAN_BPKAD_IDLE_MINUTES = env.int("SERAPAN_BPKAD_IDLE_MINUTES", default=30)
if SERAPAN_BPKAD_IDLE_MINUTES < 0:
    raise ImproperlyConfigured("SERAPAN_BPKAD_IDLE_MINUTES must be 0 (off) or a number of minutes")

# --- Logging -----------------------------------------------------------------------------------
# To stderr, one JSON object per line (python-json-logger) for a log collector (journald,
# Docker, Loki, ...). Every line carries `user` (the signed-in user, when there is one) and,
# during a request, `method` and `path`. Loggers: django.request (4xx warnings, 5xx errors
# with the traceback), serapan.request (one line per request answered by Django),
# serapan.workflow (realisasi writes, submit/verify/return/reopen), serapan.imports (refused
# files), serapan.security (idle BPKAD sessions ended).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {LOG_LEVEL!r}"
    )
LOG_FORMAT = env.str("LOG_FORMAT", default="json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "dashboard.logs.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601, UTC
            "json_ensure_ascii": False,
            # django.request's records carry the request object: its method and path are
            # written instead (dashboard.logs.ContextFilter).
            "reserved_attrs": [*RESERVED_ATTRS, "request", "taskName"],
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(user)s] %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (console when DEBUG, mail to ADMINS) give way to the one above.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Every SQL statement at DEBUG would drown the rest.
        "django.db.backends": {"level": "INFO"},
    },
}
# --- Background tasks (django-tasks, the queue in PostgreSQL) ----------------------------------
# `database`: tasks wait in the django_tasks_db tables until `manage.py db_worker` runs them
# (make run and make worker start one). `immediate`: they run inside the request that enqueues
# them, as the test suite uses them.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = env.str("SERAPAN_TASK_BACKEND", default="database")
if _task_backend not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"SERAPAN_TASK_BACKEND must be one of {', '.join(TASK_BACKENDS)}, got {_task_backend!r}"
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_task_backend]}}
# An import of this many rows or more is checked and written by the worker, with a progress
# page; a smaller one within the request, as before. Region-wide reports always go to the worker.
SERAPAN_IMPORT_TASK_ROWS = env.int("SERAPAN_IMPORT_TASK_ROWS", default=5000)
if SERAPAN_IMPORT_TASK_ROWS < 1:
    raise ImproperlyConfigured("SERAPAN_IMPORT_TASK_ROWS must be 1 or more")
# A checked upload nobody confirmed is dropped after an hour; finished jobs after a day.
SERAPAN_JOB_UPLOAD_KEEP = env.int("SERAPAN_JOB_UPLOAD_KEEP", default=60 * 60)
SERAPAN_JOB_KEEP = env.int("SERAPAN_JOB_KEEP", default=24 * 60 * 60)
