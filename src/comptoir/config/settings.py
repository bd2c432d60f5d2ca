"""Comptoir settings, read from environment variables with safe defaults.

The defaults give a working single-server shop on SQLite. Production sets
``COMPTOIR_ENV=production`` together with ``SECRET_KEY`` and ``ALLOWED_HOSTS``; see
docs/deploy.md for the full list.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from comptoir.config.env import env_bool, env_int, env_list, env_str, local_secret_key

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("COMPTOIR_DATA_DIR", str(Path.cwd() / "var"))).resolve()

ENVIRONMENT = env_str("COMPTOIR_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"COMPTOIR_ENV must be development, production or test, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when COMPTOIR_ENV=production")
    SECRET_KEY = local_secret_key(DATA_DIR)

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "comptoir.core",
    "comptoir.shops",
    "comptoir.catalog",
    "comptoir.inventory",
    "comptoir.cart",
    "comptoir.shipping",
    "comptoir.discounts",
    "comptoir.orders",
    "comptoir.downloads",
    "comptoir.payments",
    "comptoir.sandbox_psp",
    "comptoir.checkout",
    "comptoir.customers",
    "comptoir.inbox",
    "comptoir.promise",
    "comptoir.fulfillment",
    "comptoir.billing",
    "comptoir.fraud",
    "comptoir.returns",
    "comptoir.support",
    "comptoir.seo",
    "comptoir.imports",
    "comptoir.search",
    "comptoir.storefront",
    "comptoir.backoffice",
    "comptoir.demo",
]

MIDDLEWARE = [
    # Outermost: times everything below it, cached pages included (Server-Timing header).
    "comptoir.core.middleware.ServerTimingMiddleware",
    # Then: a cached page is answered before anything else runs (see storefront/cache.py).
    "comptoir.storefront.cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "comptoir.shops.middleware.ShopMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: answers a 404 with the merchant's redirect, before the middlewares above guess.
    "comptoir.seo.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "comptoir.config.urls"
WSGI_APPLICATION = "comptoir.config.wsgi.application"

# A merchant (or their developer) overrides any template or static file by putting a file
# with the same relative path into the theme folder.
THEME_DIR = Path(env_str("COMPTOIR_THEME_DIR", str(DATA_DIR / "theme"))).resolve()

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [THEME_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "comptoir.shops.context_processors.shop",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'comptoir.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
        # behind the busy timeout instead of failing with "database is locked" when a
        # read transaction tries to upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            # 16 MB of page cache per connection, and no memory-mapped I/O: a mapped file
            # counts in every worker's resident memory, and the kernel's page cache
            # already keeps the hot pages.
            "PRAGMA cache_size=-16000;"
        ),
    }
    _db["CONN_MAX_AGE"] = None
    _db["TEST"] = {"NAME": str(DATA_DIR / "test-comptoir.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 600)
    _db["CONN_HEALTH_CHECKS"] = True
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Parameters sent apart from the SQL, and a statement run twice on a connection
        # is prepared: PostgreSQL parses and plans each of the shop's hot queries once
        # per connection instead of on every request (a third of its CPU per order).
        # Behind PgBouncer in transaction mode, it needs PgBouncer 1.21 or later with
        # max_prepared_statements set; otherwise set DATABASE_PREPARED_STATEMENTS=false.
        _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env_str("CACHE_URL", "locmem://")
if CACHE_URL.startswith("redis://") or CACHE_URL.startswith("rediss://"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL == "dummy://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
elif CACHE_URL == "locmem://":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
        }
    }
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must be locmem://, dummy:// or redis://host:port/db, not {CACHE_URL!r}"
    )

TASKS = {
    "default": {
        "BACKEND": env_str("COMPTOIR_TASKS_BACKEND", "comptoir.core.taskbackend.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [THEME_DIR / "static"] if (THEME_DIR / "static").is_dir() else []
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
# Files sold as digital goods: outside MEDIA_ROOT, served only through download links.
COMPTOIR_PRIVATE_ROOT = Path(env_str("COMPTOIR_PRIVATE_ROOT", str(DATA_DIR / "private"))).resolve()
COMPTOIR_DOWNLOAD_DAYS = env_int("COMPTOIR_DOWNLOAD_DAYS", 30)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if PRODUCTION else 60

LOGIN_URL = "customers:login"
# Django's database sessions, saved without a transaction around the one UPDATE.
SESSION_ENGINE = "comptoir.core.sessions"

# Security: strict in production, relaxed only where a local demo over plain HTTP needs it.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # The header only allows a submission to the preload list; submitting stays a choice.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)

# Requests with huge bodies or query strings are refused before any view sees them.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "boutique@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per task run would bury what matters (the demo's login, errors).
        "django_tasks": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
        "django_tasks_db": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
    },
}

# --- Comptoir's own settings (defaults in code, validated by system checks) ---------------

# Where product search runs. "auto" picks the backend that fits the database engine.
COMPTOIR_SEARCH_BACKEND = env_str("COMPTOIR_SEARCH_BACKEND", "auto")
# Widths, in pixels, of the WebP renditions made for every product image.
COMPTOIR_IMAGE_WIDTHS = [240, 480, 960, 1440]
# Largest image accepted, upload or fetch, in bytes.
COMPTOIR_IMAGE_MAX_BYTES = 15 * 1024 * 1024
# Seconds a storefront page stays in the page cache; every catalog change invalidates it.
COMPTOIR_PAGE_CACHE_SECONDS = env_int("COMPTOIR_PAGE_CACHE_SECONDS", 600)
COMPTOIR_PRODUCTS_PER_PAGE = 24
# Uploaded images are served by Django itself unless a front proxy does it.
COMPTOIR_SERVE_MEDIA = env_bool("COMPTOIR_SERVE_MEDIA", default=not PRODUCTION)
WHITENOISE_USE_FINDERS = not PRODUCTION

# The hour (0-23, in each shop's time zone) after which the daily digest of the day before
# goes to the merchant.
COMPTOIR_DIGEST_HOUR = env_int("COMPTOIR_DIGEST_HOUR", 7)

# --- Selling -------------------------------------------------------------------------------

# The address customers reach the shop at, for links in emails when a shop has no domain.
COMPTOIR_BASE_URL = env_str("COMPTOIR_BASE_URL", "http://127.0.0.1:8000")
# Payment methods offered at checkout, in order: code -> provider class and its options.
COMPTOIR_PAYMENT_PROVIDERS: dict[str, dict[str, object]] = {
    "sandbox": {"class": "comptoir.payments.providers.sandbox.SandboxProvider"},
    "bank_transfer": {
        "class": "comptoir.payments.providers.manual.BankTransferProvider",
        "options": {
            "iban": env_str("COMPTOIR_BANK_IBAN", "FR76 3000 6000 0112 3456 7890 189"),
            "bic": env_str("COMPTOIR_BANK_BIC", "AGRIFRPP"),
            "remind_after_days": env_int("COMPTOIR_MANUAL_REMIND_DAYS", 3),
            "cancel_after_days": env_int("COMPTOIR_MANUAL_CANCEL_DAYS", 7),
        },
    },
    "cheque": {
        "class": "comptoir.payments.providers.manual.ChequeProvider",
        "options": {
            "address": env_str("COMPTOIR_CHEQUE_ADDRESS", ""),
            "remind_after_days": env_int("COMPTOIR_MANUAL_REMIND_DAYS", 3),
            "cancel_after_days": env_int("COMPTOIR_MANUAL_CANCEL_DAYS", 7),
        },
    },
}
if env_str("STRIPE_SECRET_KEY"):
    COMPTOIR_PAYMENT_PROVIDERS = {
        "stripe": {
            "class": "comptoir.payments.providers.stripe.StripeProvider",
            "options": {
                "secret_key": env_str("STRIPE_SECRET_KEY"),
                "webhook_secret": env_str("STRIPE_WEBHOOK_SECRET"),
                "api_base": env_str("STRIPE_API_BASE", ""),
            },
        },
        **{k: v for k, v in COMPTOIR_PAYMENT_PROVIDERS.items() if k != "sandbox"},
    }
# --- Fraud screening -----------------------------------------------------------------------

# Proxies (addresses or networks) in front of the site whose X-Forwarded-For is believed;
# without them the connection's own address is the client's, whatever the header says.
COMPTOIR_TRUSTED_PROXIES = env_list("COMPTOIR_TRUSTED_PROXIES", [])
# Which country an IP address is in: a dotted path to a comptoir.fraud.geoip.CountryResolver.
COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER = env_str(
    "COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER", "comptoir.fraud.geoip.MaxMindResolver"
)
# The default resolver's MaxMind-style database (GeoLite2-Country.mmdb); empty: unknown.
COMPTOIR_FRAUD_GEOIP_DATABASE = env_str("COMPTOIR_FRAUD_GEOIP_DATABASE", "")
# "Where is my order?" attempts per address and per session in 15 minutes, and messages
# from one address to the contact form in 10 minutes (core.ratelimit).
COMPTOIR_LOOKUP_LIMIT = env_int("COMPTOIR_LOOKUP_LIMIT", 10)
COMPTOIR_SUPPORT_RATE_LIMIT = env_int("COMPTOIR_SUPPORT_RATE_LIMIT", 5)

# Signs the sandbox PSP's webhooks; derived from SECRET_KEY when empty.
COMPTOIR_SANDBOX_WEBHOOK_SECRET = env_str("COMPTOIR_SANDBOX_WEBHOOK_SECRET", "")
if PRODUCTION and not env_bool("COMPTOIR_SANDBOX_PAYMENTS", default=False):
    # A real shop never offers the simulated card: it would take orders nobody paid for.
    COMPTOIR_PAYMENT_PROVIDERS.pop("sandbox", None)
if PRODUCTION:
    # The demo's bank details and an empty cheque address must never reach a customer.
    if not env_str("COMPTOIR_BANK_IBAN"):
        COMPTOIR_PAYMENT_PROVIDERS.pop("bank_transfer", None)
    if not env_str("COMPTOIR_CHEQUE_ADDRESS"):
        COMPTOIR_PAYMENT_PROVIDERS.pop("cheque", None)
