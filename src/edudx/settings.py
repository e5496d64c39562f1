"""One settings module; every value comes from an EDUDX_* environment variable with a
working default, so `make demo` needs no configuration and no secret lives in the repo."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from edudx.core.files import write_once

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("EDUDX_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"EDUDX_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """From the environment; otherwise generated once per installation into var/."""
    if key := env("SECRET_KEY"):
        return key
    made = write_once(VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50).encode())
    return made.decode().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
# The address citizens reach (QR codes on signed documents point here).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Open data (/open-data/, docs/opendata.md): how long built rows are kept, the licence and
# the publisher named in the files and the DCAT catalogue (default: the tree's one Sở).
OPENDATA_CACHE_SECONDS = int(env("OPENDATA_CACHE_SECONDS", "600"))
OPENDATA_LICENSE_URL = env("OPENDATA_LICENSE_URL", "https://creativecommons.org/licenses/by/4.0/")
OPENDATA_LICENSE_NAME = env("OPENDATA_LICENSE_NAME", "CC BY 4.0")
OPENDATA_PUBLISHER = env("OPENDATA_PUBLISHER")
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CSRF_FAILURE_VIEW = "edudx.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves Swagger UI from its bundled static files, not a CDN
    "edudx.core",
    "edudx.org",
    "edudx.people",
    "edudx.accounts",
    "edudx.audit",
    "edudx.notify",
    "edudx.records",
    "edudx.contact",
    "edudx.fees",
    "edudx.eservices",
    "edudx.content",
    "edudx.learning",
    "edudx.exams",
    "edudx.assets",
    "edudx.iot",
    "edudx.office",
    "edudx.exchange",
    "edudx.monitoring",
    "edudx.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "edudx.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "edudx.core.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "edudx.audit.context.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "edudx.accounts.middleware.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "edudx.core.formonce.FormOnceMiddleware",
]

ROOT_URLCONF = "edudx.urls"
WSGI_APPLICATION = "edudx.wsgi.application"
ASGI_APPLICATION = "edudx.asgi.application"

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
                "edudx.accounts.context_processors.navigation",
            ],
        },
    }
]

# Database: EDUDX_DATABASE_URL, default an embedded SQLite file in WAL mode.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'edudx.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# PostgreSQL: the few hot statements of `core.hotsql` are prepared once per connection;
# set EDUDX_DATABASE_PREPARED=0 behind a transaction-pooling proxy that cannot keep them.
DATABASE_PREPARED = env_bool("DATABASE_PREPARED", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and rate limits: local memory by default, Redis when EDUDX_CACHE_URL is set.
CACHE_URL = env("CACHE_URL")
if CACHE_URL.startswith("redis"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: Django Tasks API, database backend (a worker: `edudx worker`).
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# IoT: raw readings older than this many days are rolled up into hourly rows (docs/iot.md).
IOT_RAW_RETENTION_DAYS = env("IOT_RAW_RETENTION_DAYS", "90")
# Periodic jobs of `edudx worker` (edudx.core.periodic): a dotted callable run every
# `every` seconds; an app adds its job here as one more line.
PERIODIC_EVERY = int(env("PERIODIC_EVERY", "60"))
PERIODIC_JOBS = [
    {"name": "notify.requeue_lost", "call": "edudx.notify.channels.requeue_lost"},
    {"name": "exams.close_expired", "call": "edudx.exams.services.attempts_close_expired"},
    # Deferred audit events (audit_defer, the admissions hot path) into the hash chain.
    {"name": "audit.drain", "call": "edudx.audit.services.audit_drain_all", "every": 5},
    {"name": "iot.compact", "call": "edudx.iot.services.readings_compact_job", "every": 300},
    # Idempotency keys (API and page forms) older than 30 days.
    {
        "name": "core.idempotency_purge",
        "call": "edudx.core.idempotency.purge_expired",
        "every": 3600,
    },
]

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
OTP_TOTP_ISSUER = "EduDX"
# Login throttling: this many failures per username (or per IP) lock it for LOCKOUT_SECONDS.
LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900"))
# Staff roles must pass TOTP; EDUDX_REQUIRE_2FA=0 turns it off for a local demo only.
REQUIRE_2FA = env_bool("REQUIRE_2FA", True)

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
FORMAT_MODULE_PATH = ["edudx.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Lists page at this size in pages and the API.
PAGE_SIZE = 50

# Early-dropout warning: this many absences in a row flag a student (records.sessions).
ABSENCE_STREAK = int(env("ABSENCE_STREAK", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
