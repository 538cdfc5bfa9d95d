"""exporthub settings: every value comes from the environment (see .env.example)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from exporthub.core.data_dir import prepare_data_dir, prepare_sqlite_file

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (for container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name).strip()
    if value == "":
        return default
    if value in ("True", "true", "1"):
        return True
    if value in ("False", "false", "0"):
        return False
    raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name).strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


DATA_DIR = Path(env("EXPORTHUB_DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` creates one for the local demo in var/local.env."
    )
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
# Where people and other systems reach this hub: the base of links the hub hands out (download
# links in ERPs and files, links in notifications). Requests themselves use their own host.
PUBLIC_URL = env("EXPORTHUB_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Fernet keys, comma separated; the first encrypts, all decrypt (so keys can be rotated).
ENCRYPTION_KEYS = env_list("EXPORTHUB_ENCRYPTION_KEYS")
if not ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "EXPORTHUB_ENCRYPTION_KEYS is not set. Generate a key with: python -c "
        "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_q",
    "axes",
    # django-ninja (the REST API); listed so its docs page uses its bundled Swagger UI files.
    "ninja",
    "exporthub.core",
    "exporthub.pleo",
    "exporthub.connectors",
    "exporthub.sync",
    "exporthub.dashboard",
    "exporthub.ops",
    "exporthub.notifications",
    "exporthub.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Writes to /api/ sent again with the same Idempotency-Key get the stored answer.
    "exporthub.api.idempotency.IdempotencyMiddleware",
    "exporthub.api.problems.MethodNotAllowedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Money and dates in the locale of the company a page shows (after auth: it needs the user).
    "exporthub.dashboard.locale_scope.CompanyLocaleMiddleware",
    "exporthub.core.middleware.NoStoreForSignedInMiddleware",
    # Last, as django-axes asks: it turns a lockout into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "exporthub.urls"
WSGI_APPLICATION = "exporthub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_database_url = f"sqlite:///{DATA_DIR / 'exporthub.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", _default_database_url))}
prepare_data_dir(DATA_DIR)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        prepare_sqlite_file(Path(DATABASES["default"]["NAME"]))
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN,
    # so two processes never deadlock upgrading a read lock inside transaction.atomic().
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("EXPORTHUB_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
Q_CLUSTER = {
    # Deployments sharing one Redis keep their queues apart by name.
    "name": env("EXPORTHUB_QUEUE_NAME", "exporthub"),
    "workers": env_int("EXPORTHUB_WORKERS", 2),
    "timeout": env_int("EXPORTHUB_TASK_TIMEOUT", 600),
    "retry": env_int("EXPORTHUB_TASK_TIMEOUT", 600) + 60,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The interface speaks English and Danish; each reader picks one (a cookie, see the switch in
# base.html), else the browser's Accept-Language decides. Translations live in locale/ (README,
# "Languages"). Money and dates follow the company's locale instead (exporthub/core/formatting.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("da", "Dansk")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The Docker image collects static files at build time into its own folder, outside the data volume.
STATIC_ROOT = Path(env("EXPORTHUB_STATIC_ROOT", str(DATA_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HTTPS. On by default; off by default only where the Pleo sandbox is served (the local demo and
# the tests, plain http on 127.0.0.1). EXPORTHUB_HTTPS decides both ways.
HTTPS = env_bool("EXPORTHUB_HTTPS", default=not env_bool("EXPORTHUB_SANDBOX_ENABLED"))
SECURE_SSL_REDIRECT = env_bool("EXPORTHUB_SSL_REDIRECT", default=HTTPS)
# Load balancers probe over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^metrics/?$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("EXPORTHUB_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("EXPORTHUB_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env_bool("EXPORTHUB_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's decision (a submission to the browsers' list), so it is
    # opt-in and `check --deploy` does not nag about it.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a TLS-terminating proxy: the header it sets, e.g. "X-Forwarded-Proto" (value "https").
# Only set this when the proxy always sets or strips that header; requests then count as https
# (secure cookies, https in the OAuth redirect_uri).
_proxy_ssl_header = env("EXPORTHUB_PROXY_SSL_HEADER").strip()
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")

# Content-Security-Policy (django-csp): scripts only from our own origin, no inline scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # htmx adds its indicator styles inline; styles cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env("EXPORTHUB_CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = env("EXPORTHUB_CSP_REPORT_URI")
if env_bool("EXPORTHUB_CSP_REPORT_ONLY"):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = {}

# Sign-in throttling (django-axes): a user name is locked out from one IP address after
# EXPORTHUB_LOGIN_FAILURE_LIMIT wrong passwords, for EXPORTHUB_LOGIN_COOLOFF_SECONDS.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("EXPORTHUB_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(seconds=env_int("EXPORTHUB_LOGIN_COOLOFF_SECONDS", 15 * 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# How many reverse proxies stand in front of the hub (each appends to X-Forwarded-For); the
# client address is read from that header only when this is set. Default: 0 (REMOTE_ADDR).
TRUSTED_PROXIES = env_int("EXPORTHUB_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "exporthub.core.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# The Pleo sandbox (our stand-in for Pleo in the demo and the tests) and the demo: installed only
# when enabled, so a production database has no sandbox tables.
SANDBOX_ENABLED = env_bool("EXPORTHUB_SANDBOX_ENABLED", default=False)
if SANDBOX_ENABLED:
    INSTALLED_APPS += ["exporthub.sandbox", "exporthub.demo"]
# How long an export job may sit idle before the sandbox expires it, in seconds (Pleo: one hour).
SANDBOX_JOB_EXPIRY_SECONDS = env_int("EXPORTHUB_SANDBOX_JOB_EXPIRY_SECONDS", 3600)
# Where the sandbox posts signed `v1.export-job.created` webhooks (empty: none are sent).
SANDBOX_WEBHOOK_URL = env("EXPORTHUB_SANDBOX_WEBHOOK_URL")
# Shared secret the sandbox signs webhooks with and the hub verifies them with.
PLEO_WEBHOOK_SECRET = env("EXPORTHUB_PLEO_WEBHOOK_SECRET")

# Pleo API client.
# A callable (or its dotted path) returning the httpx transport to reach Pleo through. The default
# is real HTTP with every call counted for /metrics; the tests and the bench set their own, to
# reach the sandbox in-process.
PLEO_TRANSPORT_FACTORY = "exporthub.ops.instrument.measured_pleo_transport"
PLEO_PAGE_SIZE = env_int("EXPORTHUB_PLEO_PAGE_SIZE", 100)
PLEO_TIMEOUT_SECONDS = env_int("EXPORTHUB_PLEO_TIMEOUT_SECONDS", 30)
PLEO_MAX_ATTEMPTS = env_int("EXPORTHUB_PLEO_MAX_ATTEMPTS", 6)
PLEO_MAX_RETRY_SECONDS = env_int("EXPORTHUB_PLEO_MAX_RETRY_SECONDS", 15)

# Sync engine.
# Seconds without a heartbeat after which a worker's claim on a job counts as dead.
SYNC_CLAIM_STALE_SECONDS = env_int("EXPORTHUB_SYNC_CLAIM_STALE_SECONDS", 120)
# ERP write attempts per item on transient errors (unreachable, timeout, rate limit).
SYNC_MAX_ATTEMPTS = env_int("EXPORTHUB_SYNC_MAX_ATTEMPTS", 5)
# Longest wait between two attempts at one item, in seconds.
SYNC_RETRY_MAX_DELAY_SECONDS = env_int("EXPORTHUB_SYNC_RETRY_MAX_DELAY_SECONDS", 30)
# Receipt downloads in flight at once per job (sync/pipeline.py); 0: no threads, one at a time.
SYNC_PLEO_THREADS = env_int("EXPORTHUB_SYNC_PLEO_THREADS", 32)
# A worker hands a job back (re-enqueued) after this many seconds on it, so that every
# integration makes progress in turn when there are more integrations than workers.
SYNC_SLICE_SECONDS = env_int("EXPORTHUB_SYNC_SLICE_SECONDS", 15)

# Logs go to standard output; EXPORTHUB_LOG_FORMAT=json writes one JSON object a line, with the
# job, integration and item the engine is working on (exporthub/ops/logs.py).
LOG_FORMAT = env("EXPORTHUB_LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"EXPORTHUB_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOG_LEVEL = env("EXPORTHUB_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "exporthub.ops.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # django-q2 adds a handler of its own unless its logger has one.
        "django-q": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# Optional error tracking: web errors, task failures and the engine's caught errors go to Sentry.
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from exporthub.ops.sentry import init_sentry

    init_sentry(
        SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT"),
        release=env("SENTRY_RELEASE"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
    )
    Q_CLUSTER["error_reporter"] = {"exporthub": {}}

# Operations: /healthz and /metrics (exporthub/ops).
# The worker's heartbeat (a schedule every minute) counts as stale after this many seconds.
HEALTH_WORKER_MAX_AGE_SECONDS = env_int("EXPORTHUB_HEALTH_WORKER_MAX_AGE_SECONDS", 300)
# An integration counts as not polling when its last poll is older than its interval plus this.
HEALTH_POLL_GRACE_SECONDS = env_int("EXPORTHUB_HEALTH_POLL_GRACE_SECONDS", 600)
# /metrics answers a request bearing this token (Authorization: Bearer …) or coming from one of
# the networks below; with neither set, /metrics is off (404).
METRICS_TOKEN = env("EXPORTHUB_METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list("EXPORTHUB_METRICS_ALLOWED_NETWORKS")

# Notifications (exporthub/notifications): email goes through Django's mail backend, over SMTP
# when EXPORTHUB_EMAIL_HOST is set (else printed to the console, as in development).
EMAIL_HOST = env("EXPORTHUB_EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EXPORTHUB_EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EXPORTHUB_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("EXPORTHUB_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("EXPORTHUB_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = env("EXPORTHUB_EMAIL_FROM", "exporthub <exporthub@localhost>")
# An unfinished job with no sign of life for this long is reported as stuck.
NOTIFY_STUCK_AFTER_MINUTES = env_int("EXPORTHUB_NOTIFY_STUCK_AFTER_MINUTES", 30)
