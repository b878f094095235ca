"""StudyHub settings: one file, configured from environment variables.

Development defaults are safe to run locally; production (DJANGO_DEBUG=0) requires
DJANGO_SECRET_KEY and passes `manage.py check --deploy` with no issues.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from psycopg_pool import ConnectionPool

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-this-in-production-0123"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # First, so the site's registration/ templates (password reset and change) win over the
    # admin's same-named ones, which would otherwise style the learner pages as the admin.
    "studyhub",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "courses",
    "quizzes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "studyhub.middleware.RequestShapeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "studyhub.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "studyhub.urls"
WSGI_APPLICATION = "studyhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["django.templatetags.static"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers run beside one writer; IMMEDIATE makes a
# writing transaction take the write lock at BEGIN, so two writers queue on the busy timeout
# instead of failing with "database is locked" when one upgrades a read lock mid-transaction.
SQLITE_PATH = os.environ.get("STUDYHUB_SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}", conn_max_age=0, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each worker keeps its connection: opening one (and running the PRAGMAs below) cost
    # more than the SELECT 1 baseline itself. Health checks reopen it after an error.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_CONN_MAX_AGE", "600"))
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if POSTGRES and env_flag("DATABASE_POOL", True):
    # psycopg's native pool keeps connections warm across requests in each worker.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "8")),
        # Fail fast when the database is down (a 503 in 3 s, not 10), and test a pooled
        # connection before handing it out so the site recovers by itself afterwards.
        "timeout": 3,
        "check": ConnectionPool.check_connection,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions --------------------------------------------------------------------------
# Rate limits live in the cache. With several app servers set REDIS_URL so they share it.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate limits must be counted once for all workers and servers: Redis when there is one,
# otherwise a table in the database (created by every `migrate`, see studyhub/apps.py).
# MAX_ENTRIES bounds the table; expired rows go first when it is culled.
CACHES["ratelimit"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "studyhub.cache.DatabaseCache",
        "LOCATION": "studyhub_ratelimit",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
)
# Cached lesson bodies and course outlines (courses/fragments.py) are retired by replacing a
# generation token, which every worker and server must see: Redis when there is one (as for
# the rate limits), otherwise a table in the database (made by every `migrate`, as above).
# The fragments themselves may stay in each process's own cache.
CACHES["content"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "studyhub.cache.DatabaseCache", "LOCATION": "studyhub_content"}
)
CONTENT_GENERATION_CACHE = "content"
CONTENT_FRAGMENT_CACHE = "default"
# Sessions live in the database; with a shared Redis cache they are read from it first.
# (Over a database cache, cached_db would only add a second query: sessions stay in `db`.)
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_AGE = 60 * 60 * 24 * 180  # guests keep their progress for half a year

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Rate limits (see studyhub/ratelimit.py): scope -> (events, window in seconds[, "cooloff"]).
# A cool-off scope locks for the whole window after the last failure. Sign-in failures are
# counted per (username, address), so nobody can lock a learner out from another address,
# and, more loosely, per address, which stops one client trying many usernames.
RATE_LIMITS = {
    "login": (int(os.environ.get("STUDYHUB_LOGIN_FAILURE_LIMIT", "5")), 900, "cooloff"),
    "login-address": (int(os.environ.get("STUDYHUB_ADDRESS_FAILURE_LIMIT", "50")), 900, "cooloff"),
    "password-reset": (5, 3600),  # reset mails per address, and per e-mail address
    "signup": (int(os.environ.get("STUDYHUB_SIGNUP_LIMIT", "30")), 3600),  # accounts per address
    "start": (20, 60),  # attempts started per learner
    "answer": (120, 60),  # answers posted per learner
    # Per client address, for guests only: a new guest is a new session, so per-learner
    # limits alone start over with each one. Generous, because a class behind one school
    # address shares them; signed-in learners are never counted here.
    "guest": (int(os.environ.get("STUDYHUB_GUEST_LIMIT", "60")), 3600),  # guests created
    "guest_start": (int(os.environ.get("STUDYHUB_GUEST_START_LIMIT", "120")), 600),
}
# How many proxies (load balancers) sit in front of the app servers and append the client's
# address to X-Forwarded-For. 0: clients connect directly, and the header is ignored.
TRUSTED_PROXIES = int(os.environ.get("STUDYHUB_TRUSTED_PROXIES", "0"))

# Django 6.1 mailers. Development prints mail to the console; production uses SMTP
# configured through DJANGO_EMAIL_HOST / _PORT / _USER / _PASSWORD.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "DJANGO_EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
        "username": os.environ.get("DJANGO_EMAIL_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
        "use_tls": env_flag("DJANGO_EMAIL_USE_TLS", False),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "StudyHub <noreply@localhost>")

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A static file missing from the manifest is an error, not a silent 404 for the browser.
WHITENOISE_MANIFEST_STRICT = True
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- Security -------------------------------------------------------------------------------
# No inline script or style anywhere: htmx is configured (base.html) not to eval or inject styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# DJANGO_HTTPS=0 serves production mode over plain HTTP on loopback (the benchmark does this).
HTTPS = env_flag("DJANGO_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
