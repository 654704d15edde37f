"""Lärnav settings, read from the environment.

Every setting that differs between a laptop and production comes from an
environment variable; the defaults are safe for production except where
``LARNAV_DEBUG`` turns on conveniences for local work (the demo command sets it).

    DATABASE_URL            default sqlite:///var/larnav.sqlite3
    LARNAV_SECRET_KEY       required unless LARNAV_DEBUG is on
    LARNAV_DEBUG            "1"/"true" for local development
    LARNAV_ALLOWED_HOSTS    comma-separated host names
    LARNAV_SECURE           HTTPS-only cookies, HSTS and redirect (default: on unless debug)
    LARNAV_BASE_URL         absolute URL used in e-mailed links
    LARNAV_EMAIL_BACKEND    "smtp" (default in production), "console", "locmem", "outbox" (kept, not sent) or a dotted path
    LARNAV_EMAIL_HOST / _PORT / _HOST_USER / _HOST_PASSWORD / _USE_TLS / _USE_SSL
    LARNAV_DEFAULT_FROM_EMAIL
    LARNAV_CATALOG_CACHE_SECONDS  how long the public catalog's result list is cached (default 30; 0 = off)
    LARNAV_REPORT_RETENTION_DAYS  how long built reports (PDF, XLSX) are kept (default 30)
    LARNAV_TASKS_BACKEND    "database" (default: jobs in the database, run by ``manage.py worker``),
                            "rq" (Redis/RQ, needs the ``rq`` extra) or "immediate" (run at once, in-process)
    LARNAV_REDIS_URL        the RQ backend's Redis (default redis://127.0.0.1:6379/0)
    LARNAV_MAIL_BATCH_SIZE  messages one delivery run claims at a time (default 20)
    LARNAV_MAIL_LEASE_SECONDS  how long a claimed message stays with its worker before another may retry it (default 600)
    LARNAV_MAIL_MAX_ATTEMPTS   delivery attempts before a message is marked failed (default 6)
    LARNAV_OUTBOX_SWEEP_SECONDS  how often the worker looks for mail left behind (default 60)
    LARNAV_JOB_ABANDONED_AFTER_MINUTES  when a job still running counts as left by a stopped worker (default 60)
    LARNAV_MESSAGE_ID_DOMAIN   domain of the Message-IDs (default: the host of LARNAV_BASE_URL)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LARNAV_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("LARNAV_DEBUG", False)
SECURE = env_bool("LARNAV_SECURE", not DEBUG)

SECRET_KEY = os.environ.get("LARNAV_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("LARNAV_SECRET_KEY must be set when LARNAV_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-local-use-0123456789-abcdefghijklmnop"

ALLOWED_HOSTS = env_list("LARNAV_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
BASE_URL = os.environ.get("LARNAV_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "larnav.core",
    "larnav.organisations",
    "larnav.people",
    "larnav.accounts",
    "larnav.imports",
    "larnav.catalog",
    "larnav.registrations",
    "larnav.attendance",
    "larnav.surveys",
    "larnav.plans",
    "larnav.reports",
    "larnav.needs",
    "larnav.api",
    "larnav.notifications",
    "larnav.statistics",
    "larnav.newsletters",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "larnav.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "larnav.core.middleware.ConsortiumMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "larnav.urls"
WSGI_APPLICATION = "larnav.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "larnav.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'larnav.sqlite3'}"),
        conn_max_age=int(os.environ.get("LARNAV_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a health check that needs no round trip while the socket is quiet.
    DATABASES["default"]["ENGINE"] = "larnav.core.postgresql"
if DATABASES["default"]["ENGINE"] == "larnav.core.postgresql" and env_bool(
        "LARNAV_DB_PREPARED_STATEMENTS", True):
    # The hot statements (larnav.core.sql.cursor) run as prepared statements; Django's own cursors
    # bind on the client and never prepare, whatever this is. Turn it off (0) behind a connection
    # pooler in transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the
        # busy timeout instead of failing with "database is locked" mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
if os.environ.get("LARNAV_TEST_DB_NAME"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["LARNAV_TEST_DB_NAME"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Lock an account/address pair out for 15 minutes after five failed attempts.
AXES_FAILURE_LIMIT = int(os.environ.get("LARNAV_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

SIGN_IN_LINK_MAX_AGE_MINUTES = int(os.environ.get("LARNAV_SIGN_IN_LINK_MINUTES", "30"))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_SSL_REDIRECT = env_bool("LARNAV_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("LARNAV_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env_list("LARNAV_CSRF_TRUSTED_ORIGINS")

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Uploads ------------------------------------------------------------------
# Imports are read in memory up to this size; larger files are refused with a message.
LARNAV_IMPORT_MAX_BYTES = int(os.environ.get("LARNAV_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Caching -----------------------------------------------------------------
# The catalog's result list is cached per query; every catalog write and seat
# change invalidates it (at once where the cache is shared, e.g. Redis).
LARNAV_CATALOG_CACHE_SECONDS = int(os.environ.get("LARNAV_CATALOG_CACHE_SECONDS", "30"))

# --- Reports -----------------------------------------------------------------
# Built reports are kept in the database for this many days, then deleted with their request.
LARNAV_REPORT_RETENTION_DAYS = int(os.environ.get("LARNAV_REPORT_RETENTION_DAYS", "30"))

# --- Statistics ----------------------------------------------------------------
# In statistics shown to a wider audience (and in aggregate views to those without
# detail rights), counts below this are shown as "<5" so that no individual can be singled out.
LARNAV_STATISTICS_MIN_CELL = int(os.environ.get("LARNAV_STATISTICS_MIN_CELL", "5"))
# PostgreSQL: a report over a large registration table is split into this many shares of the
# persons, counted at once on as many database connections (1: one statement on the request's own).
LARNAV_STATISTICS_CONNECTIONS = int(os.environ.get("LARNAV_STATISTICS_CONNECTIONS", "2"))

# --- E-mail -------------------------------------------------------------------
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    # Nothing leaves the machine: messages are only kept in the outbox page (the demo uses it).
    "outbox": "larnav.notifications.backends.OutboxOnlyBackend",
}
_email_backend = os.environ.get("LARNAV_EMAIL_BACKEND", "console" if DEBUG else "smtp")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(_email_backend, _email_backend)
EMAIL_HOST = os.environ.get("LARNAV_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LARNAV_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("LARNAV_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LARNAV_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("LARNAV_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("LARNAV_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("LARNAV_DEFAULT_FROM_EMAIL", "Lärnav <noreply@larnav.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks -------------------------------------------------------
# Django's Tasks API (the django-tasks package until Django 6). The database
# backend keeps jobs in the database and ``manage.py worker`` runs them; the RQ
# backend hands them to Redis for larger installations. Mail never depends on
# the queue alone: the outbox (larnav.notifications) is the record of what
# must be sent, and the worker sweeps it every minute.
LARNAV_TASKS_BACKEND = os.environ.get("LARNAV_TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if LARNAV_TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"LARNAV_TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {LARNAV_TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[LARNAV_TASKS_BACKEND], "QUEUES": ["default"]}}
if LARNAV_TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": os.environ.get("LARNAV_REDIS_URL", "redis://127.0.0.1:6379/0"),
                             "DEFAULT_TIMEOUT": 900}}

LARNAV_MAIL_BATCH_SIZE = int(os.environ.get("LARNAV_MAIL_BATCH_SIZE", "20"))
LARNAV_MAIL_LEASE_SECONDS = int(os.environ.get("LARNAV_MAIL_LEASE_SECONDS", "600"))
LARNAV_MAIL_MAX_ATTEMPTS = int(os.environ.get("LARNAV_MAIL_MAX_ATTEMPTS", "6"))
LARNAV_OUTBOX_SWEEP_SECONDS = int(os.environ.get("LARNAV_OUTBOX_SWEEP_SECONDS", "60"))
# A job still "running" after this long was left by a stopped worker (the longest job, a national-scale
# report, takes a few minutes); it is then recorded as failed and can be retried.
LARNAV_JOB_ABANDONED_AFTER_MINUTES = int(os.environ.get("LARNAV_JOB_ABANDONED_AFTER_MINUTES", "60"))
# The domain of outgoing Message-IDs (<outbox-<uuid>@domain>): the host of LARNAV_BASE_URL by default.
LARNAV_MESSAGE_ID_DOMAIN = os.environ.get("LARNAV_MESSAGE_ID_DOMAIN", "") or (
    BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "larnav.localhost")

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LARNAV_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
