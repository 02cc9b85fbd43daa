"""ParcelOps settings: every value comes from the environment, with safe defaults.

Nothing here needs a server: without DATABASE_URL and REDIS_URL the product runs on
SQLite files under PARCELOPS_DATA_DIR (default ``var/``).
"""

import os
import secrets
from pathlib import Path

import dj_database_url

from parcelops.core.datafiles import create_private_file, read_or_create_secret
from parcelops.core.startup import is_production

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


DATA_DIR = Path(env_str("PARCELOPS_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or read_or_create_secret(
    DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50)
)
ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CSRF_TRUSTED_ORIGINS").split(",") if o]

# Customer data keys: comma-separated Fernet keys, newest first (see parcelops.core.crypto).
PARCELOPS_DATA_KEYS = env_str("PARCELOPS_DATA_KEYS")
# The blind-index key never rotates with the data keys: it must keep old hashes findable.
PARCELOPS_INDEX_KEY = env_str("PARCELOPS_INDEX_KEY")
# The audit chain's HMAC key, and the witness file its head is written to each minute
# (decision 0023); keep the witness where a database restore does not reach.
PARCELOPS_AUDIT_KEY = env_str("PARCELOPS_AUDIT_KEY")
PARCELOPS_AUDIT_WITNESS = Path(
    env_str("PARCELOPS_AUDIT_WITNESS", str(DATA_DIR / "audit_witness"))
).resolve()
# A process writes the head to the witness after a commit at most this often (seconds);
# the worker's periodic task writes it every minute besides.
PARCELOPS_AUDIT_WITNESS_INTERVAL = env_int("PARCELOPS_AUDIT_WITNESS_INTERVAL", 60)

# Task 17A (keys and secrets). Production is DEBUG off with a server database, or
# PARCELOPS_PRODUCTION=true: there `parcelops`, manage.py and config/wsgi.py refuse to
# start without SECRET_KEY and the three keys above, before these settings are read
# (parcelops.core.startup), so the key files of the data directory are made only by the
# embedded default, and only while its database does not exist yet.
PARCELOPS_PRODUCTION = is_production(os.environ)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "huey.contrib.djhuey",
    "parcelops.core",
    "parcelops.audit",
    "parcelops.outbox",
    "parcelops.accounts",
    "parcelops.orders",
    "parcelops.carriers",
    "parcelops.tracking",
    "parcelops.exceptions",
    "parcelops.warehouse",
    # The top floor: built on every app above, imported by none.
    "parcelops.demo",
    "parcelops.benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "parcelops.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]
# An API request without cookies (a bearer token, a customer's lookup) has no session,
# messages, CSRF cookie or login attempt: gunicorn's handler runs only these for it
# (parcelops.core.handlers, decision 0013).
API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "parcelops.core.security.ContentSecurityPolicyMiddleware",
    "parcelops.core.security.ContentSecurityPolicyMiddleware",
    "parcelops.core.handlers.AnonymousUserMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "parcelops" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parcelops.outbox.context.alerts",  # the unread count in the top bar
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'parcelops.sqlite3'}"),
        conn_max_age=None,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with writers queued on a kernel lock beside the file instead of
    # SQLite's sleeping busy handler (decision 0012).
    DATABASES["default"]["ENGINE"] = "parcelops.core.sqlite_backend"
    # Tests run in memory, Django's default for SQLite (pytest-django, which knows SQLite
    # only by the stock engine's name, would otherwise name a test file per worker).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    # Writers queue on the IMMEDIATE lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # A 64 MiB page cache (the default is 2 MiB): tracking ingestion touches index pages
        # across every active shipment in each chunk. Connections checkpoint the log
        # themselves once the writers' lock is free; SQLite's own checkpoint, which runs
        # inside COMMIT, only past 25,000 pages of log (decision 0015).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=25000;"
        ),
    }

# Task 17D (scale-out): behind PgBouncer in transaction mode a transaction's next statement
# may reach another server connection, where a named cursor does not exist; querysets'
# .iterator() then reads in one query instead (docs/operations.md, "Scaling out").
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS", env_bool("PARCELOPS_PGBOUNCER", False)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "parcelops",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
else:
    # A file cache is shared by every gunicorn worker on the machine (rate limits, lock-out).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "parcelops",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
    create_private_file(DATA_DIR / "huey.sqlite3")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
# Failures count per (username, address): five bad tries at `admin` from one address lock
# that address out of `admin`, not the real admin everywhere. A slower limit per username
# over every address stops a guesser spread across many (parcelops.accounts.lockout).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "parcelops.accounts.lockout.PairThenUsernameHandler"
PARCELOPS_USERNAME_FAILURE_LIMIT = env_int("PARCELOPS_USERNAME_FAILURE_LIMIT", 50)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "orders:list"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "parcelops" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "parcelops" / "static"]
WHITENOISE_USE_FINDERS = True  # serves straight from the apps when collectstatic was not run
MEDIA_ROOT = DATA_DIR / "uploads"
# Uploads (inspection photos) are served only through permission-checked views, and are
# the product user's alone, as every file of the data directory.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS", False))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Business settings (R2.1.3, R2.2.1, R1.2); the admin can override them per deployment.
PARCELOPS_LARGE_ORDER_CENTS = env_int("PARCELOPS_LARGE_ORDER_CENTS", 500_000)
PARCELOPS_REVIEW_TIERS = [t for t in env_str("PARCELOPS_REVIEW_TIERS", "vip").split(",") if t]
PARCELOPS_MAX_ORDER_AGE_DAYS = env_int("PARCELOPS_MAX_ORDER_AGE_DAYS", 30)
PARCELOPS_AFTER_SALES_DAYS = env_int("PARCELOPS_AFTER_SALES_DAYS", 15)
PARCELOPS_AUTO_COMPLETE_DAYS = env_int("PARCELOPS_AUTO_COMPLETE_DAYS", 7)
PARCELOPS_PUBLIC_RATE_LIMIT = env_int("PARCELOPS_PUBLIC_RATE_LIMIT", 30)  # per minute per address
# Wrong phone digits for one order number, from anyone, before that number stops answering
# until the guesses age out of the window (the order lookup page and API together).
PARCELOPS_ORDER_GUESS_LIMIT = env_int("PARCELOPS_ORDER_GUESS_LIMIT", 5)
PARCELOPS_ORDER_GUESS_WINDOW_MINUTES = env_int("PARCELOPS_ORDER_GUESS_WINDOW_MINUTES", 60)
# Authenticated API calls per token (or per signed-in user of the console) over a sliding
# minute; 0 switches the limit off. Carriers' pushes (no token) are not counted.
PARCELOPS_API_RATE_LIMIT = env_int("PARCELOPS_API_RATE_LIMIT", 600)

# Request bodies (docs/operations.md, "Request size limits"; decision 0025). A body over
# its limit is answered 413 in the sender's format without being read. Carrier pushes and
# our event batch have their own, larger limits (a realistic batch of 10,000 events is
# about 3.4 MB); every other request Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
PARCELOPS_PUSH_MAX_BYTES = env_int("PARCELOPS_PUSH_MAX_BYTES", 8 * 1024 * 1024)
PARCELOPS_BATCH_MAX_BYTES = env_int("PARCELOPS_BATCH_MAX_BYTES", 16 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PARCELOPS_BODY_MAX_BYTES", 2_621_440)
# Stored push bodies (encrypted) are deleted this many days after they arrived.
PARCELOPS_PUSH_RETENTION_DAYS = env_int("PARCELOPS_PUSH_RETENTION_DAYS", 90)

# Email (docs/operations.md, "Email"): the outbox sends staff alerts and customer notices
# through Django's backend. Without EMAIL_HOST nothing leaves the machine: each message is
# written as a file under DATA_DIR / "mail" (what the demo uses).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
if EMAIL_BACKEND.endswith(".filebased.EmailBackend"):
    # The files hold customers' addresses and names in clear: the product's user only.
    EMAIL_FILE_PATH.mkdir(mode=0o700, exist_ok=True)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the start, port 465
# STARTTLS on 587, the submission port; Django refuses both at once.
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
# Django waits forever by default: a mail server that stops answering would hold a
# worker thread for good.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ParcelOps <parcelops@localhost>")
# The console's address as people reach it, for the links in alert emails
# (e.g. https://ops.example.com); unset, the emails carry the path alone.
PARCELOPS_SITE_URL = env_str("PARCELOPS_SITE_URL")

# The exception desk (docs/operations.md, "Exception desk"). The province parcels leave
# from (the first half of every lane's thresholds); detection during ingestion and the
# sweep can be turned off (the benchmarks measure the cost of detection this way).
PARCELOPS_ORIGIN_PROVINCE = env_str("PARCELOPS_ORIGIN_PROVINCE", "")
PARCELOPS_DETECTION = env_bool("PARCELOPS_DETECTION", True)
# The shop's name in customers' notices.
PARCELOPS_SHOP_NAME = env_str("PARCELOPS_SHOP_NAME", "ParcelOps")

# --- Task 17C: health, logs, metrics (docs/operations.md, "Health, logs and metrics") ---
# One format for every process: JSON lines (parcelops.core.logs). The Huey consumer keeps
# the "huey" logger's handler when it has one, so its lines come out the same; gunicorn's
# come through its --logger-class (parcelops.cli.gunicorn_command).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "parcelops.core.logs.JsonLinesFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"huey": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# --- Task 17B: install and run (docs/operations.md, "Deploying on PostgreSQL and Redis") ---
# The addresses of the TLS proxies in front of the web nodes, comma-separated: from them the
# client's address is read from X-Forwarded-For (rate limits and lock-outs count per
# client, not all as the proxy). Unset: the connection's address, the header ignored.
PARCELOPS_TRUSTED_PROXIES = [
    address.strip()
    for address in env_str("PARCELOPS_TRUSTED_PROXIES").split(",")
    if address.strip()
]
MIDDLEWARE.insert(0, "parcelops.core.proxy.TrustedProxyMiddleware")
API_MIDDLEWARE.insert(0, "parcelops.core.proxy.TrustedProxyMiddleware")
# --- end of Task 17B ---

# The request id first, so every later middleware's lines carry it; the timing next, so
# it measures the whole answer.
MIDDLEWARE = [
    "parcelops.core.logs.RequestIdMiddleware",
    "parcelops.core.metrics.RequestMetricsMiddleware",
    *MIDDLEWARE,
]
API_MIDDLEWARE = [
    "parcelops.core.logs.RequestIdMiddleware",
    "parcelops.core.metrics.RequestMetricsMiddleware",
    *API_MIDDLEWARE,
]
# A load balancer's probe and a Prometheus scrape reach a node on plain HTTP, inside the
# network, behind the TLS proxy: they are answered, not redirected to https
# (SecurityMiddleware matches these against the path without its leading slash).
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$", r"^metrics$"]
# /metrics answers a bearer token, or an address on this list (addresses or networks,
# comma-separated) that reached the node directly, not through a proxy.
PARCELOPS_METRICS_TOKEN = env_str("PARCELOPS_METRICS_TOKEN")
PARCELOPS_METRICS_ALLOW = env_str("PARCELOPS_METRICS_ALLOW", "127.0.0.1,::1")

# --- Warehouse: labels (docs/operations.md, "Warehouse: labels and hand-over") ---
# The Kuaidi100 e-waybill order API (parcelops.warehouse.ewaybill): the enterprise key and
# secret, and per carrier the account the carrier's outlet issued ("zto=partnerId:partnerKey,
# yto=partnerId"). A carrier listed there gets its waybill numbers from Kuaidi100; every
# other carrier from its number ranges.
PARCELOPS_KUAIDI100_LABEL_URL = env_str(
    "PARCELOPS_KUAIDI100_LABEL_URL", "https://api.kuaidi100.com/label/order"
)
PARCELOPS_KUAIDI100_KEY = env_str("PARCELOPS_KUAIDI100_KEY")
PARCELOPS_KUAIDI100_SECRET = env_str("PARCELOPS_KUAIDI100_SECRET")
PARCELOPS_KUAIDI100_PARTNERS = env_str("PARCELOPS_KUAIDI100_PARTNERS")
PARCELOPS_EWAYBILL_TIMEOUT = env_int("PARCELOPS_EWAYBILL_TIMEOUT", 10)  # seconds
# A TrueType font (.ttf, or .ttc with a TrueType face) to embed in labels and manifests;
# empty: reportlab's built-in CID font STSong-Light, which PDF readers supply themselves.
PARCELOPS_LABEL_FONT = env_str("PARCELOPS_LABEL_FONT")
