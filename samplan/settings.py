"""Samplan settings: everything that differs between machines comes from the environment.

Production needs at least SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS and DEBUG=false;
see docs/operations.md. Without them the app runs as a local demo on SQLite.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)


def _secret_key():
    """A demo key is made once and kept in var/; production must give one."""
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    key_file = env.str("SECRET_KEY_FILE", default="")
    if key_file:
        return Path(key_file).read_text().strip()
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    VAR_DIR.mkdir(exist_ok=True)
    demo_key = VAR_DIR / "secret_key"
    if not demo_key.exists():
        demo_key.write_text(secrets.token_urlsafe(50))
    return demo_key.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "pgtrigger",
    "samplan",
    "audit",
    "people",
    "accounts",
    "measures",
    "plans",
    "journal",
    "pathways",
    "groups",
    "notify",
    "worklist",
    "fhir_api",
    "insights",
    "gatherings",
    "improvement",
    "social_emergency",
    "relatives",
    "recovery",
    "incidents",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "samplan.middleware.CSPMiddleware",  # django-csp's, with its policy built once
    "samplan.middleware.RefuseBadInputMiddleware",
    "samplan.middleware.ApiShortcutMiddleware",  # /fhir/ skips the rest but the language
    "accounts.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "samplan.urls"
WSGI_APPLICATION = "samplan.wsgi.application"

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
                "csp.context_processors.nonce",
                "accounts.context_processors.account_kind",
            ],
        },
    },
]

VAR_DIR.mkdir(exist_ok=True)
# Two roles on PostgreSQL (docs/operations.md, "Database roles"): the app connects as DATABASE_URL's
# role, which owns nothing. DATABASE_ROLE=owner connects as DATABASE_OWNER_URL's role instead, the
# tables' owner, for `migrate` (which then re-applies the runtime role's grants) and `db_roles`.
DATABASE_OWNER = env.db_url("DATABASE_OWNER_URL") if env.str("DATABASE_OWNER_URL", default="") else None
DATABASE_ROLE = env.str("DATABASE_ROLE", default="runtime")
DATABASE_RUNTIME = env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'samplan.sqlite3'}")
if DATABASE_ROLE not in {"runtime", "owner"} or (DATABASE_ROLE == "owner" and not DATABASE_OWNER):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_ROLE is 'runtime' (the default) or 'owner' with DATABASE_OWNER_URL set.")
DATABASES = {"default": dict(DATABASE_OWNER if DATABASE_ROLE == "owner" else DATABASE_RUNTIME)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT costs more than it saves on short web queries (bench/worklist.py: 23 ms of a
    # 31 ms query); POSTGRES_JIT=on brings it back. Options already in DATABASE_URL are kept.
    if not env.bool("POSTGRES_JIT", default=False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # The queries compiled once (samplan.prepared) are prepared on each connection after five runs
    # (Django's other queries bind on the client and are never prepared); behind a pooler that cannot
    # keep prepared statements (PgBouncer before 1.21 in transaction mode)
    # POSTGRES_PREPARED_STATEMENTS=false turns that off.
    if env.bool("POSTGRES_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    # Django's backend, with a health check that needs no round trip (samplan/postgres/base.py).
    DATABASES["default"]["ENGINE"] = "samplan.postgres"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Two-factor login for staff: always in production, optional per user while DEBUG is on.
REQUIRE_STAFF_TWO_FACTOR = env.bool("REQUIRE_STAFF_TWO_FACTOR", default=not DEBUG)
OTP_TOTP_ISSUER = "Samplan"

# Failed-login throttling (django-axes): a username from one address is locked after
# AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind the reference proxy the client's address is the X-Forwarded-For that proxy writes; only
# requests from these peers are believed (accounts/client_ip.py). Empty: REMOTE_ADDR, no proxy.
TRUSTED_PROXIES = frozenset(env.list("TRUSTED_PROXIES", default=[]))
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

# Idle timeout: the session expires this long after the last request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
# The idle time slides with use; an unchanged session is written at most once a minute
# (accounts.sessions), so it may end up to a minute early, never late.
SESSION_ENGINE = "accounts.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

EMERGENCY_ACCESS_HOURS = env.int("EMERGENCY_ACCESS_HOURS", default=4)
ACCESS_CODE_VALID_DAYS = env.int("ACCESS_CODE_VALID_DAYS", default=30)
CHECKIN_INTERVAL_HOURS = env.int("CHECKIN_INTERVAL_HOURS", default=24)
CHECKIN_MISSED_DAYS = env.int("CHECKIN_MISSED_DAYS", default=14)

LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", _("Norwegian Bokmål")),
    ("nn", _("Norwegian Nynorsk")),
    ("da", _("Danish")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="samplan@localhost")
# A relay that accepts the connection and then hangs must not hold the worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# Links in e-mails (no request to take the host from), e.g. https://samplan.kommune.no
SITE_URL = env.str(
    "SITE_URL",
    default="http://127.0.0.1:8000" if DEBUG else (f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else ""),
)

# Background tasks (django-tasks): the database queue, worked by `manage.py db_worker`.
# Tests run them at once (TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend).
TASKS = {"default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}

# Appointment reminders (notify): sent this many hours before; a reminder claimed by a worker
# that died mid-send is marked failed (never re-sent) after REMINDER_CLAIM_TIMEOUT_MINUTES.
REMINDER_HOURS_BEFORE = env.int("REMINDER_HOURS_BEFORE", default=24)
REMINDER_CLAIM_TIMEOUT_MINUTES = env.int("REMINDER_CLAIM_TIMEOUT_MINUTES", default=15)
# Dotted path to a notify.sms.BaseSmsBackend subclass; empty means no SMS.
SMS_BACKEND = env.str("SMS_BACKEND", default="") or None

# Content Security Policy: no inline script, nothing from other origins.
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
    },
}

# Request bodies: web forms up to DATA_UPLOAD_MAX_MEMORY_SIZE, FHIR JSON up to FHIR_MAX_BODY_BYTES;
# more is a 413 (samplan.middleware, fhir_api.edge). The reverse proxy limits body size as well.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FHIR_MAX_BODY_BYTES = env.int("FHIR_MAX_BODY_BYTES", default=512 * 1024)
# Bulk Data export ($export): where the NDJSON files are written (keep it off the web server's
# static paths and inside what is encrypted at rest), and how long they stay before they are deleted.
BULK_EXPORT_DIR = Path(env.str("BULK_EXPORT_DIR", default=str(VAR_DIR / "exports")))
BULK_EXPORT_EXPIRES_HOURS = env.int("BULK_EXPORT_EXPIRES_HOURS", default=24)
BULK_EXPORT_PROCESSES = env.int("BULK_EXPORT_PROCESSES", default=0)  # on PostgreSQL; 0: min(CPUs, 4)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
