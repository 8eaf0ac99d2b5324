"""Settings for 供热应急指挥平台, one module, everything from the environment.

Nothing set at all means the *embedded* mode of ``make run``: SQLite and Celery's filesystem
transport under ``var/``, so no server needs installing. ``DATABASE_URL`` and ``REDIS_URL`` switch to
PostgreSQL and Redis. Production defaults are safe: ``DEBUG`` is off unless asked for, and the HTTPS
settings are on unless ``HTTPS=0`` is set (plain-HTTP local use such as ``make run``).
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# Everything the embedded mode writes (SQLite, broker folders, beat schedule, uploads) lives here.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
INSECURE_PLACEHOLDER_KEY = (
    "django-insecure-placeholder-set-SECRET_KEY-before-serving-0123456789"  # check --deploy: W009
)
if not SECRET_KEY:
    # Management commands (migrate, makemigrations, check) work without one; the web server and the
    # Celery processes refuse to start without it unless DEBUG (config/startup.py).
    SECRET_KEY = INSECURE_PLACEHOLDER_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "orgchart",
    "incidents",
    "command",
    "aftermath",
    "documents",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    # First: forwarding headers are believed from the trusted proxy only (config/proxy.py).
    "config.proxy.TrustedProxyMiddleware",
    "config.limits.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Bad input refused in one place (issue 16): NUL bytes, malformed hidden fields → 400.
    "config.inputs.NulRefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Member units see only the incidents that concern them (issue 16, finding 7).
    "incidents.visibility.IncidentVisibilityMiddleware",
    # AxesMiddleware last: it turns a lockout into our own page (see AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.site",
                "command.context_processors.notifications",
                "api.context_processors.office",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout so the web server and the Celery worker do not lock each other out;
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # SQLite cannot enforce UNIQUE … NULLS NOT DISTINCT (orgchart Appointment, GroupLeader): the embedded
    # demo mode relies on the services' get_or_create instead; PostgreSQL enforces it.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, sessions, login throttling --------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env.bool("FAST_PASSWORD_HASHER", default=False):  # the test suite only: hashing dominates its setup
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: a session ends after SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=8 * 60) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

# django-axes: after AXES_FAILURE_LIMIT failed logins for one username from one address, that pair
# is locked out for AXES_COOLOFF_MINUTES. Every login, logout and failure is logged (admin: Axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
# The client's address is REMOTE_ADDR, which config/proxy.py sets from the trusted proxy's
# X-Forwarded-For; a header sent by anyone else is never read (anyone could lock the commander out).
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- i18n / time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
# Serve straight from static/ without collectstatic (DEBUG and tests); production serves STATIC_ROOT.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- HTTPS / security ----------------------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# The reverse proxy's addresses (or networks): only requests from them may carry X-Forwarded-For and
# X-Forwarded-Proto (config/proxy.py strips both from anyone else). BEHIND_PROXY=1 needs at least one.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if env.bool("BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# /healthz must answer over plain HTTP inside the compose network and to load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Upload limits (config/limits.py), in Django itself and not only at the proxy ----------------
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=100 * 1024 * 1024)  # six files of 15 MB + form
DATA_UPLOAD_MAX_NUMBER_FILES = 10  # the task form takes six; more is refused before the files are read
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- Email ---------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="供热应急指挥平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Reminder channels (command/reminders/channels.py): HTTP gateways receive JSON with an Idempotency-Key header.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
WEBHOOK_URL = env.str("WEBHOOK_URL", default="")
CHANNEL_TIMEOUT_SECONDS = env.float("CHANNEL_TIMEOUT_SECONDS", default=5.0)
SITE_URL = env.str("SITE_URL", default="")  # e.g. https://heating.example.gov.cn, for links in SMS and email

# --- Celery --------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message not acknowledged within this time is redelivered (acks_late). ETA tasks are
        # only used for delays well inside it; a beat sweep owns anything longer (24-hour reminders).
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's default is "control" in the working directory (the repository root): keep it in var/.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="heating")
# Seconds before Celery retries a response setup that failed right after its transition committed
# (command/receivers.py: after_commit_setup).
COMMAND_SETUP_RETRY_SECONDS = 10

# --- Cache: the dashboard's version (command/dashboard/live.py), shared by the web processes and the Celery
# worker — Redis when there is one, else files under var/ (the embedded mode: one machine).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="heating"),
        }
    }
else:
    (VAR_DIR / "cache").mkdir(parents=True, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# The dashboard keeps what only a write changes for its version (panels, figures, pages; issue 15); the
# tests switch it off where they count queries of a first look. Its tabs poll every DASHBOARD_POLL_SECONDS.
DASHBOARD_MEMO = True
DASHBOARD_POLL_SECONDS = env.int("DASHBOARD_POLL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Seconds a heartbeat may be old before /healthz reports the scheduler or worker as down.
HEARTBEAT_MAX_AGE_SECONDS = env.int("HEARTBEAT_MAX_AGE_SECONDS", default=150)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SITE_NAME = "供热应急指挥平台"
# The plan's document number where code shows it (pages, the statistics export, the API's description,
# the 2021 version a flushed database is given). The stored one is PlanVersion.doc_no; the transcription
# orgchart/plan_2021.py carries it as text of the plan.
PLAN_DOC_NO = "运政办发〔2021〕68 号"

# --- Documents (issue 10): PDF/DOCX from the templates in templates/documents/ --------------------------
# The official typefaces are not available; Noto CJK (Debian: fonts-noto-cjk) by default.
DOCUMENT_FONT = env.str("DOCUMENT_FONT", default="Noto Serif CJK SC")
DOCUMENT_HEADING_FONT = env.str("DOCUMENT_HEADING_FONT", default="Noto Sans CJK SC")
DOCUMENT_NUMBER_PREFIX = env.str("DOCUMENT_NUMBER_PREFIX", default="运供应急办")
DOCUMENT_ISSUER = env.str("DOCUMENT_ISSUER", default="")  # "": the plan's name for the HQ office (§2.1)
DEMO_MODE = env.bool("DEMO_MODE", default=False)

# --- The REST API (issue 19, app api/): tokens per unit, OpenAPI schema, per-token throttling -----------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("API_RATE", default="120/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "供热应急指挥平台 API",
    "DESCRIPTION": f"运城市城市集中供热突发事件应急指挥平台的接口（{PLAN_DOC_NO}）：供热企业、成员单位和城市系统"
    "报告事件、续报、签收和反馈任务。认证：`Authorization: Bearer <令牌>`（由市指挥部办公室签发）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # served from static/ (drf-spectacular-sidecar): no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.path_ids"],
    "ENUM_NAME_OVERRIDES": {
        "TaskStateEnum": "command.models.Assignment.State",
        "IncidentStateEnum": "incidents.choices.State",
        "DeliveryStateEnum": "api.models.Delivery.State",
        "WebhookEventEnum": "api.models.Event",
    },
}
# The throttle's counters: Redis when there is one (shared by every web worker), else in-process memory.
# (An alias beside the default cache above, which holds the dashboard's version and must stay shared.)
CACHES["api"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "api"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
)
API_WEBHOOK_TIMEOUT_SECONDS = env.float("API_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Seconds before each attempt of a webhook delivery (the first at once); their number is the maximum.
API_WEBHOOK_BACKOFF = [
    int(x) for x in env.list("API_WEBHOOK_BACKOFF", default=["0", "30", "120", "600", "1800"])
]

# ---- Content-Security-Policy (django-csp 4; issue 16) -------------------------------------------------
# Scripts from this site only: no inline script, no eval (htmx runs with allowEval false, its trigger
# filters replaced by static/js/app.js); style attributes are allowed (Bootstrap, ECharts' canvases).
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
