"""Settings for Homeward. Every value comes from the environment through homeward.env; see docs/admin-guide.md."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from homeward.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("HOMEWARD_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("HOMEWARD_DEBUG", False)
# The built-in development key is refused by a system check when DEBUG is off (homeward.checks).
DEFAULT_SECRET_KEY = "homeward-development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("HOMEWARD_SECRET_KEY", DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("HOMEWARD_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("HOMEWARD_CSRF_TRUSTED_ORIGINS")

# Demo mode relaxes the two-factor requirement so the generated logins work at once; refused with DEBUG off.
DEMO_MODE = env_bool("HOMEWARD_DEMO", False)
ENFORCE_TWO_FACTOR = env_bool("HOMEWARD_ENFORCE_2FA", not DEMO_MODE)

# Key file: encryption keys, blind-index keys and the audit-chain key (see homeward.lib.crypto).
KEY_FILE = env_str("HOMEWARD_KEY_FILE", str(VAR_DIR / "keys.json"))
# Running processes re-read the key file this often, so a rotation reaches every reader (homeward.rotation).
KEY_RELOAD_SECONDS = env_int("HOMEWARD_KEY_RELOAD_SECONDS", 5, minimum=1, maximum=300)
DOCUMENT_ROOT = Path(env_str("HOMEWARD_DOCUMENT_ROOT", str(VAR_DIR / "documents")))
MAX_UPLOAD_BYTES = env_int(
    "HOMEWARD_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024, maximum=100 * 1024 * 1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Returns: days a province has to trace a family and reply; the age from which a returnee is housed with adults.
# Research: counts from 1 to this minus one are shown as "<N" to anyone who may not see the cases behind them.
# The interpreter of the separate environment where pycanon checks research releases (`make verifier`).
PYCANON_PYTHON = env_str("HOMEWARD_PYCANON_PYTHON", str(PROJECT_DIR / ".venv-pycanon" / "bin" / "python"))
# HTCDS imports (homeward/interop/sheets.py): the largest file and the most data rows one import takes. An XLSX
# may expand to ten times its size when read; decompression stops there whatever the archive claims.
IMPORT_MAX_BYTES = env_int(
    "HOMEWARD_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024 * 1024, maximum=500 * 1024 * 1024
)
IMPORT_MAX_ROWS = env_int("HOMEWARD_IMPORT_MAX_ROWS", 100_000, minimum=10, maximum=1_000_000)
# OpenRosa (ODK Collect, KoboCollect, Enketo): the largest submission taken.
OPENROSA_MAX_BYTES = env_int(
    "HOMEWARD_OPENROSA_MAX_BYTES", 10 * 1024 * 1024, minimum=64 * 1024, maximum=100 * 1024 * 1024
)
# Uploaded import files wait here, encrypted, until their import ends (then they are deleted).
IMPORT_ROOT = Path(env_str("HOMEWARD_IMPORT_ROOT", str(VAR_DIR / "imports")))
# Background tasks (django-tasks): kept in the database and run by `homeward db_worker`. "immediate" runs them
# within the request instead (for a single-process trial; large imports then hold the page until they end).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env_choice("HOMEWARD_TASKS", "database", ("database", "immediate"))]
    }
}
SMALL_CELL_THRESHOLD = env_int("HOMEWARD_SMALL_CELL_THRESHOLD", 5, minimum=3, maximum=50)
TRACING_DUE_DAYS = env_int("HOMEWARD_TRACING_DUE_DAYS", 14, minimum=1, maximum=180)
ADULT_AGE = 18
# Reintegration: the plan is due this many days after return; follow-up visits this many months after return.
PLAN_DUE_DAYS = env_int("HOMEWARD_PLAN_DUE_DAYS", 30, minimum=7, maximum=180)
FOLLOW_UP_MONTHS = [
    int(m) for m in env_str("HOMEWARD_FOLLOW_UP_MONTHS", "1,3,6,12").split(",") if m.strip().isdigit()
] or [1, 3, 6, 12]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "homeward.apps.HomewardConfig",
    "homeward.accounts",
    "homeward.audit",
    "homeward.places",
    "homeward.people",
    "homeward.cases",
    "homeward.returns",
    "homeward.reintegration",
    "homeward.referrals",
    "homeward.training",
    "homeward.research",
    "homeward.interop",
    "homeward.api",
]

# The REST API (homeward/api/): personal tokens, the same selectors and audit as the pages, one error shape.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["homeward.api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "homeward.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "homeward.api.schema.Schema",
    "EXCEPTION_HANDLER": "homeward.api.exceptions.handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("HOMEWARD_API_RATE", "2000/hour")},
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Homeward API",
    "DESCRIPTION": "Cases, returns, reintegration, referrals, the service directory and training, under the same access "
    "policy and audit as the web pages. "
    "Authenticate with a personal token: Authorization: Token hw_…",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "homeward.cases.picklists.CaseStatus",
        "LanguageEnum": "homeward.cases.picklists.Language",
    },
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "homeward.accounts.middleware.SessionTimeoutMiddleware",
    "homeward.accounts.middleware.TwoFactorRequiredMiddleware",
    "homeward.accounts.sessions.SessionTrackingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "homeward.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "homeward.urls"
WSGI_APPLICATION = "homeward.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "homeward.context_processors.homeward",
            ],
        },
    }
]

# Database: SQLite by default (WAL, busy timeout, immediate transactions), PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'homeward.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("HOMEWARD_DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": str(VAR_DIR / "test.sqlite3")} if env_bool("HOMEWARD_TEST_FILE_DB", True) else {}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Passwords: Argon2id first; 12+ characters; common-password list.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout: 5 failures lock the account and, separately, the address, for 15 minutes.
AXES_FAILURE_LIMIT = env_int("HOMEWARD_LOGIN_FAILURE_LIMIT", 5, minimum=3, maximum=20)
AXES_COOLOFF_TIME = env_int("HOMEWARD_LOCKOUT_MINUTES", 15, minimum=1, maximum=1440) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The client's address, for lockout and the audit log (django-ipware). Directly exposed: REMOTE_ADDR. Behind a
# reverse proxy, name the header that the proxy sets and overwrites, so that clients cannot forge it, e.g.
# HOMEWARD_CLIENT_IP_HEADER=X-Real-IP with nginx's `proxy_set_header X-Real-IP $remote_addr;`.
CLIENT_IP_HEADER = env_str("HOMEWARD_CLIENT_IP_HEADER", "")
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_" + CLIENT_IP_HEADER.upper().replace("-", "_"),) if CLIENT_IP_HEADER else ("REMOTE_ADDR",)
)

# Sessions: idle sessions expire (30 minutes by default), and every session ends after 12 hours.
SESSION_COOKIE_AGE = env_int("HOMEWARD_IDLE_MINUTES", 30, minimum=5, maximum=240) * 60
SESSION_ABSOLUTE_SECONDS = env_int("HOMEWARD_SESSION_HOURS", 12, minimum=1, maximum=24) * 3600
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_HTTPS = env_bool("HOMEWARD_HTTPS", not DEBUG and not DEMO_MODE)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("HOMEWARD_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if SECURE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
if env_bool("HOMEWARD_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: everything from our own origin, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Languages: English, Lao, Thai, French. Django ships no Lao locale; LANG_INFO and formats are added here.
LANG_INFO["lo"] = {"bidi": False, "code": "lo", "name": "Lao", "name_local": "ລາວ"}
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("lo", _("Lao")),
    ("th", _("Thai")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["homeward.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("HOMEWARD_TIME_ZONE", "Asia/Vientiane")

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

OTP_TOTP_ISSUER = env_str("HOMEWARD_TOTP_ISSUER", "Homeward")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("HOMEWARD_LOG_LEVEL", "INFO")},
    # Request bodies and URLs with query strings can carry identifying data: keep Django's request logger quiet.
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}
