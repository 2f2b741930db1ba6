"""Docket settings: one module, every deploy-specific value from the environment.

The defaults give a working development setup on a fresh machine (SQLite, a SQLite
huey queue, emails written to files); production sets the variables listed in the
README.
"""

import os
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from config.limits import DOCUMENT_LINES_MAX_ITEMS, IMAGE_MAX_PIXELS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DOCKET_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "docket-development-only-key-never-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_htmx",
    "django_tables2",
    "ninja",
    "oauth2_provider",
    "huey.contrib.djhuey",
    "config.api",
    "accounts",
    "crm",
    "projects",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.api.middleware.DepotApiMiddleware",
    "config.database_errors.DatabaseErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
    # For every request, as `check --deploy` wants: it asks nothing of a call with
    # API credentials (no cookie to read; the API's views check CSRF themselves).
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # PAGE_MIDDLEWARE, below: an API call with credentials of its own goes round it.
    "config.page_middleware.PageMiddleware",
    # Before any view or CsrfViewMiddleware.process_view reads the body.
    "config.upload_limits.RequestSizeLimitMiddleware",
]
PAGE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
]

# The benchmark's gunicorn (crm/management/commands/benchmark.py) adds its reference
# views; no other run can reach them.
ROOT_URLCONF = "crm.benchmark.urls" if env_bool("DOCKET_BENCHMARK", False) else "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.account",
            ],
            "builtins": ["template_partials.templatetags.partials", "accounts.templatetags.docket"],
        },
    }
]
# The first wrong field of a refused form gets the focus (config/forms.py).
FORM_RENDERER = "config.forms.FormRenderer"

# SQLite is the zero-setup default; WAL lets the web server and the huey worker
# read while the other writes, and IMMEDIATE transactions take the write lock up
# front so two issuers cannot both read the same document counter.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'docket.sqlite3'}")
    )
}
USING_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
# Each worker thread keeps its connection for a minute, checked before reuse after a
# request that failed. A PostgreSQL connection costs a few milliseconds to open; a
# SQLite one costs more than it looks: Django sets it up (functions, PRAGMAs), the
# schema is parsed again, and the last connection to close checkpoints the WAL. A
# small API call took 9 ms in-process with a connection per request, 1.4 ms without.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if USING_SQLITE:
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # Reads come straight from the OS's cache of the file (mmap) rather than
        # through a read() into each connection's own cache, which SQLite empties
        # whenever another connection writes (every API call takes a rate-limit
        # token). A people search went from 15 to 12 ms of CPU.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=1073741824;"
        ),
    }
    # A file rather than memory, so a real huey worker process in the tests can
    # read what the test wrote.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-docket.sqlite3")}
else:
    # PostgreSQL compiles a query whose estimated cost passes a threshold; a sort over
    # every company's people count then spent 14 ms compiling to save nothing. Web
    # queries are short, so JIT only costs here.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # The queries every API call makes (a credential's read, a row by id, a page of a
    # table: config/api/rows.py) run as prepared statements, planned once per
    # connection. Django's own queries bind their values into the text and are never
    # prepared: the threshold only lets the explicit ones through, and the plan mode
    # only touches them. A generic plan suits them: each is a key lookup or an
    # ordered page, whose plan doesn't turn on the values. A transaction-mode pooler
    # older than PgBouncer 1.21 can't carry prepared statements: turn them off there.
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        options["options"] += " -c plan_cache_mode=force_generic_plan"
        options.setdefault("prepare_threshold", 2**31 - 1)
    # The same backend, checking a kept connection only after it has been idle
    # (config/postgresql/base.py): the check was a round trip on every request.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "config.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Passwords use Django's default (PBKDF2). The last hasher is only for OAuth apps'
# client secrets (accounts/hashers.py): random, 128 characters, so a salted SHA-256
# is enough and checks in microseconds, not PBKDF2's ~0.9 s per token request.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "accounts.hashers.SecretSHA256Hasher",
]


# OAuth 2 (django-oauth-toolkit, issue 14): /oauth/authorize and /oauth/token, the
# Depot spec's flow. Tokens act as the user who allowed the app (one scope, "api").
# Depot's tokens "do not currently expire": ours last DOCKET_OAUTH_TOKEN_DAYS and come
# with a refresh token. Every RFC 9700 gate is on: tokens are kept only as their
# SHA-256 (the `token` column stays blank), no implicit or password grant, PKCE with
# S256 only (required of public clients; Docket registers confidential ones, and
# Depot's clients send none), refresh tokens rotate and a replayed one ends its family.
def _oauth_pkce_required(client_id: str) -> bool:
    from accounts.oauth import pkce_required

    return pkce_required(client_id)


OAUTH2_PROVIDER = {
    "SCOPES": {"api": "Use the API as you, with your access"},
    "DEFAULT_SCOPES": ["api"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("DOCKET_OAUTH_TOKEN_DAYS", "365")) * 86400,
    "CLIENT_SECRET_HASHER": "secret-sha256",
    "REQUEST_APPROVAL_PROMPT": "force",
    "PKCE_REQUIRED": _oauth_pkce_required,
    "ALLOW_URI_WILDCARDS": False,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
# W008 says `http` redirect URIs are allowed. They are, only to a loopback address
# (RFC 8252 native apps): accounts.oauth.check_redirect_uris refuses any other http
# URI when an app is registered, and the authorize step matches the registered URI.
# E408-E410: the admin looks for sessions, the user and messages in MIDDLEWARE
# itself; they run for every page, the admin's too, from PAGE_MIDDLEWARE.
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008", "admin.E408", "admin.E409", "admin.E410"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Password guessing and reset emails are limited per account (email) and per client
# address (REMOTE_ADDR): LIMIT tries at once, then one more every WINDOW / LIMIT, in
# the API rate limit's buckets (accounts/throttle.py). The backend enforces it for
# every authenticate() call, whichever form asks.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
DOCKET_SIGNIN_FAILURES_PER_ACCOUNT = int(os.environ.get("DOCKET_SIGNIN_FAILURES_PER_ACCOUNT", "5"))
DOCKET_SIGNIN_FAILURES_PER_ADDRESS = int(os.environ.get("DOCKET_SIGNIN_FAILURES_PER_ADDRESS", "50"))
DOCKET_SIGNIN_WINDOW_SECONDS = int(os.environ.get("DOCKET_SIGNIN_WINDOW_SECONDS", "900"))
DOCKET_RESET_EMAILS_PER_ACCOUNT = int(os.environ.get("DOCKET_RESET_EMAILS_PER_ACCOUNT", "3"))
DOCKET_RESET_EMAILS_PER_ADDRESS = int(os.environ.get("DOCKET_RESET_EMAILS_PER_ADDRESS", "20"))
DOCKET_RESET_WINDOW_SECONDS = int(os.environ.get("DOCKET_RESET_WINDOW_SECONDS", "3600"))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# The default cache is the database (its table made by `migrate`, see
# config/deploy.py), Redis when CACHE_URL says so. The rate-limit buckets (API,
# sign-in, reset emails) follow it: in Redis when the cache is there, otherwise in
# their own table (config.api.models, made by `migrate`), not in the cache, whose
# database backend can't count atomically.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "docket_cache",
        }
    }

EMAIL_URL = os.environ.get("EMAIL_URL", "")
EMAIL_FILE_PATH = VAR_DIR / "mail"
if EMAIL_URL:
    vars().update(dj_email_url.parse(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Docket <docket@localhost>")

# huey: a SQLite file by default so `make run` needs no broker; Redis via HUEY_URL.
HUEY_URL = os.environ.get("HUEY_URL", "")
if HUEY_URL.startswith("redis"):
    HUEY = {"huey_class": "huey.RedisHuey", "name": "docket", "url": HUEY_URL, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "docket",
        "filename": HUEY_URL.removeprefix("sqlite:///") or str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }
HUEY["consumer"] = {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"}

DOCKET_API_RATE_LIMIT = int(os.environ.get("DOCKET_API_RATE_LIMIT", "60"))
# Requests a minute per credential (0: off). The bucket counts in microseconds: one
# token a microsecond is as fine as it can tell; more would be a token every 0 µs.
DOCKET_API_RATE_LIMIT_MAX = 60_000_000
if not 0 <= DOCKET_API_RATE_LIMIT <= DOCKET_API_RATE_LIMIT_MAX:
    raise ImproperlyConfigured(
        f"DOCKET_API_RATE_LIMIT must be from 0 (off) to {DOCKET_API_RATE_LIMIT_MAX:,} "
        f"requests a minute, not {DOCKET_API_RATE_LIMIT}."
    )
# On SQLite (and without Redis) the rate-limit buckets live in a file of their own,
# which every worker on the machine shares: taking a token in the main database made
# every other connection drop its cache of it (config/api/throttle.py). Empty: in the
# database's docket_ratelimit table, as on PostgreSQL.
DOCKET_RATELIMIT_FILE = os.environ.get(
    "DOCKET_RATELIMIT_FILE",
    str(VAR_DIR / "ratelimit.sqlite3")
    if USING_SQLITE and not CACHE_URL.startswith("redis")
    else "",
)
DOCKET_UPLOAD_MAX_BYTES = int(os.environ.get("DOCKET_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
DOCKET_UPLOAD_TMP = VAR_DIR / "uploads"
# Files are held to DOCKET_UPLOAD_MAX_BYTES while they arrive (config.upload_limits);
# what is kept waits in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, on disk beyond.
FILE_UPLOAD_HANDLERS = [
    "config.upload_limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Form fields and JSON bodies are read into memory. The largest a page sends is the
# CSV import's confirmation, which posts back its file (up to 5 MB) as form text.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The most fields a page posts: a document editor's lines, nine inputs each (a
# proposal's items: name, description, type, hours, rate, tax code, category, print and
# the fields it carries unseen), up to DOCUMENT_LINES_MAX_ITEMS of them, with their
# jobs' and sections' own. Django's default (1,000) stopped a proposal at ~100 items.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10 * DOCUMENT_LINES_MAX_ITEMS + 1_000
# Uploads are held to IMAGE_MAX_PIXELS by config.api.uploads; this makes Pillow refuse
# anything past twice that wherever an image is opened (PDFs, older files).
Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS

DJANGO_TABLES2_TEMPLATE = "components/table.html"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the <body> hx-headers, not the cookie
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint says each step of each PDF ("Step 5 - Creating layout - Page 3")
        # at INFO: seven lines and more per PDF in the worker's log.
        "weasyprint": {"level": "WARNING"},
    },
}

VAR_DIR.mkdir(parents=True, exist_ok=True)

# Absolute links in emails (invitations, password resets sent by the worker).
DOCKET_BASE_URL = os.environ.get("DOCKET_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Webhooks may be sent to loopback, private and link-local addresses (and over plain
# http to loopback): on for development, where the receiver runs on this machine;
# off in production, so a webhook can't probe the server's own network.
DOCKET_WEBHOOK_ALLOW_PRIVATE = env_bool("DOCKET_WEBHOOK_ALLOW_PRIVATE", DEBUG)
