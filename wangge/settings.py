"""Django settings, configured only through WANGGE_* environment variables.

Defaults give the embedded setup: SQLite in WAL mode and a generated secret key, both under
`var/`, DEBUG off. Every variable is listed in `.env.example` and the README.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wangge.core.env import env_bool, env_float, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("WANGGE_VAR_DIR", str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("WANGGE_DEBUG", False)


def _generated_key(name: str, make: Callable[[], str]) -> str:
    # The embedded setup keeps generated keys in var/ (mode 0600), like the secret key.
    key_file = VAR_DIR / name
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(make())
    return key_file.read_text().strip()


# Unset, sessions survive restarts through a key generated once.
SECRET_KEY = env_str("WANGGE_SECRET_KEY", "") or _generated_key(
    "secret_key", lambda: secrets.token_urlsafe(50)
)
# Personal data at rest (wangge.core.crypto): the first data key encrypts, all decrypt; put a new
# key first and run `wangge data_keys rotate` to rotate. The index key never rotates.
DATA_KEYS = env_list("WANGGE_DATA_KEYS", []) or [
    _generated_key("data_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
]
INDEX_KEY = env_str("WANGGE_INDEX_KEY", "") or _generated_key(
    "index_key", lambda: secrets.token_urlsafe(32)
)
ALLOWED_HOSTS = env_list("WANGGE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("WANGGE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "wangge.core.apps.WanggeStaticFilesConfig",
    "axes",
    "django_tasks",
    "django_tasks_db",
    # Only for its templates and static files: the API docs (/api/v1/docs) are then served from
    # here, not from a CDN with an inline script, which neither an intranet nor the CSP allows.
    "ninja",
    "wangge.core",
    "wangge.org",
    "wangge.notifications",
    "wangge.cases",
    "wangge.people",
    "wangge.claims",
    "wangge.campaigns",
    "wangge.meetings",
    "wangge.info_reports",
    "wangge.routing",
    "wangge.analytics",
    "wangge.evaluation",
    "wangge.open311",
    "wangge.demo",
]

# The header middleware sits above whitenoise so that static files carry the headers too.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    # A database that cannot be reached answers 503 with Retry-After, not a 500.
    "wangge.core.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "wangge.urls"
# Covering indexes (INCLUDE) speed up counts on PostgreSQL; SQLite builds the same indexes
# without the extra columns, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
WSGI_APPLICATION = "wangge.wsgi.application"

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
                "wangge.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("WANGGE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'wangge.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except ValueError as error:
    raise ImproperlyConfigured(f"WANGGE_DATABASE_URL is not a database URL: {error}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
        # start of a transaction, so two writers queue instead of failing mid-way.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("WANGGE_SQLITE_TIMEOUT", 20, minimum=1),
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database["CONN_MAX_AGE"] = env_int("WANGGE_DB_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
    _database.setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "WANGGE_DB_CONNECT_TIMEOUT", 5, minimum=1
    )
    # A database host that goes silent (power lost, a cable cut: no reset) would hold every
    # request until gunicorn kills its worker. Keepalives notice a silent peer within half a
    # minute, and a request never waits on a statement longer than WANGGE_DB_STATEMENT_TIMEOUT
    # (a lock held by a migration, a runaway query): the server cancels it, and the request is
    # answered 503 (core.unavailable). The web server sets it (wsgi.py); commands run without.
    _database["OPTIONS"].update(
        keepalives=1, keepalives_idle=15, keepalives_interval=5, keepalives_count=3
    )
    _statement_timeout = env_float("WANGGE_DB_STATEMENT_TIMEOUT", 0.0)
    if _statement_timeout:
        _database["OPTIONS"]["options"] = f"-c statement_timeout={_statement_timeout * 1000:.0f}"
else:
    raise ImproperlyConfigured("WANGGE_DATABASE_URL must name a sqlite:// or postgres:// database")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "wangge.org.backends.RolePermissionBackend",
]
LOGIN_URL = "login"
PUBLIC_HOME_URL = "/public/"  # the residents' pages, for visitors without an account
LOGIN_REDIRECT_URL = "cases:my_work"  # everyone starts the day on what waits for them
LOGOUT_REDIRECT_URL = "login"

# Repeated failed logins lock the account name (from any address) and the address for a while.
AXES_FAILURE_LIMIT = env_int("WANGGE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_float("WANGGE_LOGIN_LOCKOUT_MINUTES", 15.0, minimum=0.1) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("WANGGE_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_BEHIND_TLS = env_bool("WANGGE_BEHIND_TLS", False)
SESSION_COOKIE_SECURE = SECURE_BEHIND_TLS
CSRF_COOKIE_SECURE = SECURE_BEHIND_TLS
if SECURE_BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Sent only on HTTPS answers. Not for subdomains and not preloaded: the site may be served
    # at a department's own name (bm.example.gov.cn), under which intranet systems still
    # answer plain HTTP; a proxy that owns the whole name can add includeSubDomains itself.
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("WANGGE_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end packages come from npm (package.json at the repository root) and are served by the
# app itself: government intranets have no internet, so no CDN.
NODE_MODULES_DIR = Path(env_str("WANGGE_NODE_MODULES", str(PACKAGE_DIR.parent / "node_modules")))
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES_DIR / path)
    for name, path in {
        "htmx": "htmx.org/dist",
        "leaflet": "leaflet/dist",
        "echarts": "echarts/dist",
        "markercluster": "leaflet.markercluster/dist",
        "leaflet-heat": "leaflet.heat/dist",
    }.items()
    if (NODE_MODULES_DIR / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Without collected files (development, tests) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = env_bool("WANGGE_STATIC_FROM_FINDERS", DEBUG)
if WHITENOISE_USE_FINDERS:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    WHITENOISE_AUTOREFRESH = True
# Request bodies other than file uploads: 100,000 points for bulk locate are about 4 MB of JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Background work --------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds between the worker's periodic jobs (deadline sweeps, webhook retries).
WORKER_TICK_SECONDS = env_float("WANGGE_WORKER_TICK_SECONDS", 30.0, minimum=1.0)
# Outgoing webhooks: seconds to wait for the receiver, and attempts before giving up.
WEBHOOK_TIMEOUT_SECONDS = env_float("WANGGE_WEBHOOK_TIMEOUT_SECONDS", 10.0, minimum=0.5)
WEBHOOK_MAX_ATTEMPTS = env_int("WANGGE_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)

# --- Cases ------------------------------------------------------------------------------------
# Largest photo or file attached to a case, in MB.
CASE_ATTACHMENT_MAX_MB = env_int("WANGGE_CASE_ATTACHMENT_MAX_MB", 10, minimum=1)
# Open311 GeoReport v2: the jurisdiction_id this server answers for (unset: any or none).
OPEN311_JURISDICTION_ID = env_str("WANGGE_OPEN311_JURISDICTION_ID", "")

# --- The person-house registry ----------------------------------------------------------------
# The level at which a person's registered region is compared with where they live to call them
# local or floating (流动人口): province, city, county or town (the division code's first 2, 4,
# 6 or 9 digits).
REGISTRATION_LEVEL = env_str("WANGGE_REGISTRATION_LEVEL", "county")
if REGISTRATION_LEVEL not in {"province", "city", "county", "town"}:
    raise ImproperlyConfigured(
        f"WANGGE_REGISTRATION_LEVEL: {REGISTRATION_LEVEL!r} is not province, city, county or town"
    )
# A rented house with more residents per room than this is flagged (群租).
RENTAL_RESIDENTS_PER_ROOM = env_float("WANGGE_RENTAL_RESIDENTS_PER_ROOM", 2.0, minimum=0.5)
# Largest registry file the import page accepts, in MB; and how many days an import's error
# sheet (which repeats the rows' personal data) is kept before the worker deletes it. The
# uploaded file itself is deleted as soon as its import ends.
PEOPLE_IMPORT_MAX_BYTES = env_int("WANGGE_PEOPLE_IMPORT_MAX_MB", 50, minimum=1) * 1024 * 1024
PEOPLE_IMPORT_KEEP_DAYS = env_int("WANGGE_PEOPLE_IMPORT_KEEP_DAYS", 7, minimum=1)
# Failed landlord sign-ins (house code + phone) per house code per day, against guessing phones.
PUBLIC_LANDLORD_TRIES_PER_CODE_PER_DAY = env_int(
    "WANGGE_PUBLIC_LANDLORD_TRIES_PER_CODE_PER_DAY", 10, minimum=1
)

# --- Pages for residents without an account (/public/) -----------------------------------------
# The abuse guard instead of a captcha (wangge.core.ratelimit): reports per client address per
# hour and per phone per day, and case lookups per address per hour (against guessing numbers).
PUBLIC_REPORTS_PER_IP_PER_HOUR = env_int("WANGGE_PUBLIC_REPORTS_PER_IP_PER_HOUR", 10, minimum=1)
PUBLIC_REPORTS_PER_PHONE_PER_DAY = env_int("WANGGE_PUBLIC_REPORTS_PER_PHONE_PER_DAY", 5, minimum=1)
PUBLIC_LOOKUPS_PER_IP_PER_HOUR = env_int("WANGGE_PUBLIC_LOOKUPS_PER_IP_PER_HOUR", 30, minimum=1)
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client; unset, the
# header is ignored and the client is REMOTE_ADDR (behind a proxy: every client the same one).
TRUSTED_PROXIES = env_list("WANGGE_TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"WANGGE_TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from None

# --- The map ----------------------------------------------------------------------------------
# With no tile URL, grids are drawn on a blank background (intranets usually have no tiles).
MAP_TILE_URL = env_str("WANGGE_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("WANGGE_MAP_TILE_ATTRIBUTION", "")
# Two grids may overlap by at most this many square metres (drawing slivers); more is an error.
GRID_OVERLAP_TOLERANCE_M2 = env_float("WANGGE_GRID_OVERLAP_TOLERANCE_M2", 1.0)
# Largest grid file the import page accepts; a district's grids take a few MB.
GRID_IMPORT_MAX_BYTES = env_int("WANGGE_GRID_IMPORT_MAX_MB", 20, minimum=1) * 1024 * 1024


# --- Content Security Policy (django-csp) -----------------------------------------------------
def _tile_source(url: str) -> str:
    """The CSP source of the map tile host ("" for tiles on this site or none)."""
    parts = urlsplit(url)
    if not parts.netloc:
        return ""
    if parts.scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"WANGGE_MAP_TILE_URL: {url!r} is not an http(s) URL")
    first, _, rest = parts.netloc.partition(".")
    # Leaflet's {s} (a, b, c …) picks a subdomain; CSP allows a wildcard there and only there.
    if "{" in first and rest:
        first = "*"
    if "{" in first or "{" in rest:
        raise ImproperlyConfigured(f"WANGGE_MAP_TILE_URL: {url!r} has a placeholder in its host")
    return f"{parts.scheme}://{first}.{rest}" if rest else f"{parts.scheme}://{first}"


# Every script is a file served from here: no inline script, no event-handler attribute, no eval
# (base.html also tells htmx not to eval nor inject its <style>). Stylesheets are files from here
# too. Style attributes alone are allowed (style-src-attr 'unsafe-inline'), for the dashboard:
# ECharts' SVG renderer writes text fonts as style attributes and its tooltips are HTML with
# style attributes. The templates hold none; Leaflet, our scripts and Django's admin style
# elements through the CSSOM, which CSP does not restrict (tests/e2e/test_csp.py fails on any
# refusal). A style attribute cannot reach another host: its url() loads under img-src/font-src.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *filter(None, [_tile_source(MAP_TILE_URL)])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("WANGGE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
