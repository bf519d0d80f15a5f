"""Settings of the SPRO hub, read from environment variables.

Every variable is documented in `.env.example`. Bad values fail loudly at start-up: a production
instance (DEBUG off) refuses to start without SECRET_KEY and ALLOWED_HOSTS.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The test suite sets SPRO_TESTING; running pytest directly is detected too.
TESTING = env.bool("SPRO_TESTING", default="pytest" in sys.modules)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY doit être défini quand DEBUG est désactivé.")
    SECRET_KEY = "insecure-development-key-never-used-in-production"
elif not DEBUG and not TESTING and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    # Sessions, password-reset links and CSRF tokens are signed with it: a short key can be guessed.
    raise ImproperlyConfigured(
        "SECRET_KEY est trop courte : au moins 50 caractères aléatoires quand DEBUG est désactivé "
        '(python3 -c "import secrets; print(secrets.token_urlsafe(50))").'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS and not TESTING:
    raise ImproperlyConfigured("ALLOWED_HOSTS doit être défini quand DEBUG est désactivé.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Where the embedded mode keeps its SQLite database and broker folders.
DATA_DIR = Path(env.str("SPRO_DATA_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "spro.admin.SproAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    # Named access rules (each app's rules.py), tested with rules.test_rule and {% test_rule %}.
    "rules",
    "network",
    "sites",
    "events",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Default deny: every view needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "spro.middleware.PermissionsPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Logs each call made with an API token (never a body).
    "network.middleware.ApiCallLogMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spro.urls"
WSGI_APPLICATION = "spro.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spro.context_processors.platform",
            ],
            "libraries": {"breadcrumb": "spro.web.breadcrumb"},
        },
    },
]
FORM_RENDERER = "spro.forms.FormRenderer"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'spro.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Tests run servers and workers in threads: persistent connections would outlive the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # SQLite is the embedded mode: the web server and the worker share the file, so wait for
    # locks instead of failing, and use WAL so readers never block the writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "network.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any login, the admin's included, while the account or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "network.backends.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing passwords slowly protects real accounts; tests only need speed.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# No URL serves MEDIA_ROOT, in any mode: stored files go out only through views that check rights
# (spro.files). Behind nginx, SPRO_SENDFILE_HEADER=X-Accel-Redirect hands the sending to the server,
# from an internal location mapped to MEDIA_ROOT at SPRO_SENDFILE_PREFIX.
MEDIA_URL = "/fichiers-internes/"
SPRO_SENDFILE_HEADER = env.str("SPRO_SENDFILE_HEADER", default="")
SPRO_SENDFILE_PREFIX = env.str("SPRO_SENDFILE_PREFIX", default="/fichiers-internes/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# WhiteNoise serves STATIC_ROOT (filled by collectstatic) in production; in development and tests it
# reads the source folders, and must not warn that STATIC_ROOT does not exist yet.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Uploads. The ordinary fields of a request are held in memory up to Django's default 2.5 MB; a file
# above 1 MB is written to a temporary file as it arrives, not kept in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# A multipart request longer than this has its files discarded as they stream in
# (spro.uploads.UploadLimitHandler), and the form says the file is too large: 10 MB, the cap of a
# label application's piece, plus a margin for the other fields. Views taking larger files are
# listed by URL name: the statistics import accepts 20 MB files.
SPRO_MAX_UPLOAD_SIZE = 11 * 1024 * 1024
SPRO_MAX_UPLOAD_SIZE_BY_VIEW = {"stats:import_upload": 21 * 1024 * 1024}
FILE_UPLOAD_HANDLERS = [
    # First, so that the next two never buffer nor write a file of an oversized request.
    "spro.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# E-mail: console in development, SMTP from EMAIL_URL in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SPRO hub <ne-pas-repondre@spro.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: strict defaults as soon as DEBUG is off; a reverse proxy terminates TLS.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SESSION_COOKIE_SECURE = not TESTING
    CSRF_COOKIE_SECURE = not TESTING
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the whole parent domain to HTTPS in browsers for months, and a regional
        # platform usually lives on a subdomain it cannot commit: preload is the operator's explicit
        # choice (SECURE_HSTS_PRELOAD=1), so Django's reminder about it is silenced.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy: no inline script, no inline event handler, no inline style, nothing from
# another site. Pages bind their behaviours from static files (static/js/spro.js); htmx is told not to
# inject its indicator styles (meta htmx-config on the pages that use it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features no page of the platform uses are switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), interest-cohort=()"
)

# Client addresses: REMOTE_ADDR, unless it is one of these reverse proxies (addresses or networks),
# whose X-Forwarded-For is then believed (spro.http.client_ip). Empty: no proxy is trusted, and a
# forged X-Forwarded-For changes nothing.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failures for one account, or from one
# address, logins are refused for LOGIN_COOLOFF_MINUTES, the admin's login too.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Lockouts are logged by spro.http.lockout_response; axes's start-up banner is noise in every command.
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "spro.http.client_ip"
AXES_LOCKOUT_CALLABLE = "spro.http.lockout_response"
# Password-reset e-mails sent at most this many times an hour per e-mail address and per client.
SPRO_PASSWORD_RESET_PER_HOUR = env.int("SPRO_PASSWORD_RESET_PER_HOUR", default=3)

# Redis, when configured, serves as Celery broker and as cache.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set; otherwise an embedded file-system broker, so that
# `make run` still runs background jobs outside the request without any server to install.
CELERY_BROKER_DIR = DATA_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    from kombu.transport import TRANSPORT_ALIASES

    # kombu's file-system transport, made to keep each message until it is acknowledged, so that a
    # task cut short by a worker's death runs again (spro/broker.py). Named by the URL's scheme, so
    # that another URL (Redis) given in its place still selects its own transport.
    TRANSPORT_ALIASES.setdefault("spro-filesystem", "spro.broker:Transport")
    CELERY_BROKER_URL = "spro-filesystem://"
    CELERY_RESULT_BACKEND = f"file://{DATA_DIR / 'results'}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "unacked_folder": str(CELERY_BROKER_DIR / "unacked"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint holds a whole report in memory: a worker process (prefork pool) using more than this
# many KiB after a task is replaced by a fresh one, and none runs more than this many tasks.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=512_000)
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "label-renewal-reminders": {
        "task": "sites.tasks.send_label_renewal_reminders",
        # Every Monday at 7:00, Paris time.
        "schedule": crontab(hour=7, minute=0, day_of_week=1),
    },
    "period-reminders": {
        "task": "stats.tasks.send_period_reminders",
        # Every day at 8:00, Paris time.
        "schedule": crontab(hour=8, minute=0),
    },
    "api-call-log": {
        "task": "network.tasks.flush_api_calls",
        # Every minute: the API calls buffered in Redis go to the log table.
        "schedule": 60.0,
    },
    "idempotency-keys": {
        "task": "network.tasks.purge_idempotency_keys",
        "schedule": crontab(minute=17),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "network.api_auth.OrganisationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "spro.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "spro.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["network.api_auth.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du SPRO hub",
    # The API's description, versioning policy and changelog, in one Markdown file.
    "DESCRIPTION": (BASE_DIR / "spro" / "api_description.md").read_text(encoding="utf-8"),
    "VERSION": "1.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Optional query parameters may be sent empty (spro.api.ApiFilterSet, Pagination).
        "spro.api.document_query_parameters",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN, works offline and under a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Business settings.
# How many days before a label's renewal date it counts as "due for renewal".
SPRO_LABEL_RENEWAL_WARNING_DAYS = env.int("SPRO_LABEL_RENEWAL_WARNING_DAYS", default=180)
# The platform's public address, for links in e-mails sent by workers (no request to build it from).
SPRO_BASE_URL = env.str("SPRO_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
SPRO_PLATFORM_NAME = env.str("SPRO_PLATFORM_NAME", default="SPRO hub")
SPRO_REGION_NAME = env.str("SPRO_REGION_NAME", default="Grand Est")
# A month's statistics are due this many days after the month ends.
SPRO_PERIOD_DEADLINE_DAYS = env.int("SPRO_PERIOD_DEADLINE_DAYS", default=10)
# Calls per minute and per API token (partners); counted in the cache (Redis in production).
SPRO_API_RATE_LIMIT = env.int("SPRO_API_RATE_LIMIT", default=600)
# Published breakdowns hide cells below this count so that no person can be singled out.
SPRO_SMALL_CELL_THRESHOLD = env.int("SPRO_SMALL_CELL_THRESHOLD", default=5)
# The most visits one count of a month may hold (a site, a breakdown item, a sex), typed or
# imported: far above any real centre, far below the database's integer limit (2^31).
SPRO_MAX_MONTHLY_COUNT = env.int("SPRO_MAX_MONTHLY_COUNT", default=100_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every successful login at INFO; lockouts come at WARNING (spro.http).
    "loggers": {"axes": {"level": "WARNING"}},
}
