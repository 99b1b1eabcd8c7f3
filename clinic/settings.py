"""Settings for the clinic app, read from the environment (django-environ).

Two modes, chosen by ``CLINIC_ENV``:

* ``development`` (default): DEBUG on unless told otherwise, a fixed development
  secret key, static files served from the source folders, e-mail printed to
  the console. Without ``DATABASE_URL`` an embedded PostgreSQL starts in
  ``.pgdata/``.
* ``production``: DEBUG must be off, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and
  ``DATABASE_URL`` are required, cookies are secure, HSTS and HTTPS redirects
  are on, so that ``manage.py check --deploy`` reports nothing.

A bad value fails at start-up with ImproperlyConfigured rather than quietly
changing behaviour.
"""

from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
import jinja2
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional, git-ignored

CLINIC_ENV = env.str("CLINIC_ENV", default="development")
if CLINIC_ENV not in ("development", "production"):
    raise ImproperlyConfigured(
        f"Unexpected CLINIC_ENV={CLINIC_ENV!r}: use 'development' or 'production'."
    )
PRODUCTION = CLINIC_ENV == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when CLINIC_ENV=production.")

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # required: raises if missing
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="django-insecure-development-only-key-do-not-use-in-production"
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when CLINIC_ENV=production.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The address of the app as patients and staff reach it: links sent by e-mail
# (password reset, portal invitation) start with it, never with the Host header
# of the request that sent them. Required in production (https).
if PRODUCTION:
    CLINIC_BASE_URL = env.str("CLINIC_BASE_URL")  # required: raises if missing
else:
    CLINIC_BASE_URL = env.str("CLINIC_BASE_URL", default="http://127.0.0.1:8000")
CLINIC_BASE_URL = CLINIC_BASE_URL.rstrip("/")
_base = urlsplit(CLINIC_BASE_URL)
if (
    _base.scheme not in (("https",) if PRODUCTION else ("http", "https"))
    or not _base.hostname
    or _base.path
    or _base.query
    or _base.fragment
    or _base.username
):
    raise ImproperlyConfigured(
        f"CLINIC_BASE_URL={CLINIC_BASE_URL!r} must be a scheme and host, such as "
        "https://clinic.example.com (https in production), with no path."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "clinic",
    "accounts",
    "audit",
    "patients",
    "practitioners",
    "scheduling",
    "notifications",
    "intake",
    "documents",
    "billing",
    "portal",
    "sessions.apps.SessionsConfig",
    "reports",
    "demo",
    "scale",
]

MIDDLEWARE = [
    "clinic.middleware.StripNulFromHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control: no-store on every page (static files are served above).
    "clinic.middleware.NoStoreMiddleware",
    # Django's, plus: a lost database connection becomes a 503 "try again" page.
    "clinic.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Renews a signed-in session's idle expiry at most once a minute.
    "clinic.middleware.RefreshSessionMiddleware",
    # request.user.is_verified(): has this session entered a two-factor code?
    "django_otp.middleware.OTPMiddleware",
    # Staff with two-factor on must enter a code before any other page (and, when
    # the clinic requires it, staff without it must set it up first).
    "accounts.middleware.RequireTwoFactorMiddleware",
    # Deny by default: only views marked @login_not_required are public.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.ClientAddressMiddleware",
    # Last, so that it sees the final response of a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
    # Pages whose Django templates cost most of their time: the calendar grids
    # (docs/performance.md, issue 14). Autoescaped, undefined names are errors.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2_templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "autoescape": True,
            "undefined": jinja2.StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
]
# Widgets through Django's Jinja2 copies of its widget templates (see the module).
FORM_RENDERER = "clinic.form_renderer.WidgetRenderer"

WSGI_APPLICATION = "clinic.wsgi.application"

# --- Database: PostgreSQL only -------------------------------------------------
EMBEDDED_POSTGRES = not env.str("DATABASE_URL", default="")
if not EMBEDDED_POSTGRES:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at a PostgreSQL server.")
elif PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL is required when CLINIC_ENV=production.")
else:
    from clinic.embedded_postgres import database_settings

    DATABASES = {"default": database_settings(BASE_DIR / ".pgdata")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT compilation (on by default since PostgreSQL 12): the app's queries are
# short, and on the scale data JIT spent 0.5–1.7 s compiling a report query
# that then ran in 0.1 s (docs/performance.md, "Reports (issue 16)").
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = f"{_db_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that also loads, in the same query, whether the user has a
    # confirmed two-factor device and whether the clinic requires one.
    "accounts.twofactor.TwoFactorStateBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Portal invitations and password-reset links work once and expire after this.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_LINK_DAYS", default=3) * 24 * 60 * 60
# Online intake links (intake app) work once and expire after this many days.
INTAKE_LINK_DAYS = env.int("INTAKE_LINK_DAYS", default=7)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Two-factor authentication (django-otp, TOTP). The Django admin never shows a
# device's secret key or QR code; staff set up their own on /accounts/two-factor/.
OTP_TOTP_ISSUER = "Back Pain Acupuncture Clinic"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Failed-login throttling (django-axes, see accounts/throttling.py): the e-mail
# address is counted trimmed and lower-cased; an account+address pair is locked
# after AXES_FAILURE_LIMIT failures, and an address after AXES_ADDRESS_FAILURE_LIMIT
# failures over any accounts, for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
if not 0 < AXES_FAILURE_LIMIT <= AXES_ADDRESS_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "AXES_ADDRESS_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT, both above 0."
    )
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "accounts.throttling.ClinicAxesHandler"
# How many reverse proxies stand in front of the app and append to X-Forwarded-For
# (0: clients connect directly). Behind a proxy, set it: otherwise every login
# comes from the proxy's address and the per-address limit would lock everyone out.
CLINIC_TRUSTED_PROXIES = env.int("CLINIC_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_USERNAME_CALLABLE = "accounts.throttling.axes_username"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Idle staff sessions end after SESSION_IDLE_MINUTES and when the browser closes.
# The session is not saved on every request (a request whose database connection
# dropped would then fail on the save): clinic.middleware.RefreshSessionMiddleware
# saves it again when its last save is more than SESSION_REFRESH_SECONDS old.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Audit trail checkpoints (audit/checkpoints.py) -------------------------------
# `manage.py audit_checkpoint` appends the chain's head to AUDIT_CHECKPOINT_FILE,
# authenticated with AUDIT_CHECKPOINT_KEY; neither is in the database, so whoever
# can rewrite the database cannot rewrite the checkpoints. Both required in production.
if PRODUCTION:
    AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY")  # required: raises if missing
    AUDIT_CHECKPOINT_FILE = Path(env.str("AUDIT_CHECKPOINT_FILE"))
else:
    AUDIT_CHECKPOINT_KEY = env.str(
        "AUDIT_CHECKPOINT_KEY", default="development-only-audit-checkpoint-key"
    )
    AUDIT_CHECKPOINT_FILE = Path(
        env.str("AUDIT_CHECKPOINT_FILE", default=str(BASE_DIR / ".audit-checkpoints"))
    )
if len(AUDIT_CHECKPOINT_KEY) < 32 and PRODUCTION:
    raise ImproperlyConfigured("AUDIT_CHECKPOINT_KEY must be at least 32 characters long.")

# --- Research export (reports/research.py) ------------------------------------------
# The key of the pseudonymous ids (HMAC-SHA256): kept out of the database so that
# nobody holding the database and an export can link rows back to patients. In
# production the export is refused until it is set.
RESEARCH_EXPORT_KEY = env.str(
    "RESEARCH_EXPORT_KEY", default="" if PRODUCTION else "development-only-research-export-key"
)

# --- Internationalisation and time ---------------------------------------------
LANGUAGE_CODE = "en-gb"
CLINIC_TIME_ZONE = env.str("CLINIC_TIME_ZONE", default="Europe/London")
try:
    ZoneInfo(CLINIC_TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"Unknown CLINIC_TIME_ZONE={CLINIC_TIME_ZONE!r}") from exc
TIME_ZONE = CLINIC_TIME_ZONE
# Domain in the UIDs of calendar invitations: set it once and never change it,
# or patients' calendars get duplicate events. Empty: derived from ALLOWED_HOSTS.
CLINIC_UID_DOMAIN = env.str("CLINIC_UID_DOMAIN", default="")
USE_I18N = True
USE_TZ = True

# --- Static files: served by the app itself (WhiteNoise), never from a CDN ------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Patient documents (documents app): a private folder outside the static and web
# roots, never served directly (only through the app's download view, which
# checks access). DOCUMENTS_STORAGE_BACKEND=storages.backends.s3.S3Storage puts
# them in an S3-compatible bucket instead (django-storages, see README).
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
DOCUMENTS_MAX_BYTES = env.int("DOCUMENTS_MAX_MB", default=10) * 1024 * 1024
_documents_backend = env.str(
    "DOCUMENTS_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
if _documents_backend.endswith("FileSystemStorage"):
    _documents_options = {"location": PRIVATE_MEDIA_ROOT, "base_url": "/no-direct-access/"}
else:
    _documents_options = {
        "bucket_name": env.str("DOCUMENTS_S3_BUCKET"),
        "endpoint_url": env.str("DOCUMENTS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("DOCUMENTS_S3_REGION", default="") or None,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {"BACKEND": _documents_backend, "OPTIONS": _documents_options},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production, serve straight from the source folders (no collectstatic),
# also when DEBUG is off as it is under the test runner and live server.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

MESSAGE_TAGS = {40: "danger"}  # messages.ERROR -> Bootstrap's alert-danger

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ----------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Text messages: console:// (printed, the default), locmem:// (tests) or
# twilio://ACCOUNT_SID:AUTH_TOKEN@FROM (FROM: +E.164 number or MG... service SID).
SMS_URL = env.str("SMS_URL", default="console://")
# Phone numbers written without a country code are of this country (ISO 3166 code).
CLINIC_PHONE_REGION = env.str("CLINIC_PHONE_REGION", default="GB").upper()
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clinic <clinic@example.com>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- Security headers --------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Content Security Policy (django-csp): only the app's own scripts and styles,
# no inline script anywhere. Bootstrap's icons are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
