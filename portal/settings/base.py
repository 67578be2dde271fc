"""Settings shared by every environment. Every secret and address comes from the environment."""

from pathlib import Path
from typing import Any

import environ
from csp import constants as csp
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "portal.accounts",
    "portal.audit",
    "portal.web",
    "oversight",
    "oversight.inquiries",
    "access",
    "explanations",
    "appeals",
    "demo",  # manage.py load_demo
]

MIDDLEWARE = [
    # Forwarded headers (X-Forwarded-For/-Proto) only from TRUSTED_PROXIES (portal/proxies.py): first of all.
    "portal.proxies.ForwardedHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response of a view (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "portal.middleware.ApiTokensOnlyOnApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A page read in a language sets the language cookie: "/" then opens in it (portal/middleware.py).
    "portal.middleware.RememberLanguageMiddleware",
    # Under /api/ only Accept-Language counts, English by default (portal/api/middleware.py).
    "portal.api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: they sign out (with a message) on every request, before any view runs.
    "portal.accounts.middleware.SessionTimeoutMiddleware",
    "portal.accounts.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "kk"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LANGUAGE_COOKIE_AGE = (
    365 * 24 * 3600
)  # the last language a person read the portal in (RememberLanguageMiddleware)
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]

# Private files (evidence, artifacts): never under a public URL.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private"))

# Field encryption and keyed look-up hashes for national identifiers (IIN). Both 32 bytes, base64.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="")
IIN_HASH_KEY = env("IIN_HASH_KEY", default="")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@appeals.example.kz")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 300}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "audit-checkpoint-daily": {"task": "audit.checkpoint", "schedule": 24 * 3600},
    # Periodic scans of due rows, never long ETA tasks (Redis redelivers those past the visibility timeout).
    "appeals-deadline-scan": {"task": "appeals.deadline_scan", "schedule": 15 * 60},
    "appeals-notification-relay": {"task": "appeals.notification_relay", "schedule": 60},
    # One-time codes whose task was lost or whose worker died (portal/accounts/services.py, outbox).
    "accounts-code-delivery-relay": {"task": "accounts.code_delivery_relay", "schedule": 30},
    "appeals-letter-relay": {"task": "appeals.letter_relay", "schedule": 60},
    "appeals-outcome-webhooks": {"task": "appeals.outcome_webhook_scan", "schedule": 30},
    # Evidence held unchecked while clamd was unreachable is scanned once it answers again.
    "appeals-evidence-scan": {"task": "appeals.evidence_scan", "schedule": 120},
    # Oversight: rollups catch up with new decisions and appeals; alert checks run over the rollups.
    "oversight-rollup-refresh": {"task": "oversight.rollup_refresh", "schedule": 5 * 60},
    "inquiries-alert-scan": {"task": "inquiries.alert_scan", "schedule": 15 * 60},
}

# The audit chain's daily checkpoint is also appended (signed) to a file here, outside the database, so that a
# rewrite of history is detected. Production: a volume the database role cannot write to. Empty: no export.
AUDIT_CHECKPOINT_DIR = env("AUDIT_CHECKPOINT_DIR", default=str(BASE_DIR / "var" / "audit"))
AUDIT_CHECKPOINT_KEY = env("AUDIT_CHECKPOINT_KEY", default="")  # empty: derived from SECRET_KEY
# Access transparency: repeated views of the same case for the same purpose within this time are logged once;
# a reason stated to open a case outside one's assigned work stays valid this long.
ACCESS_LOG_DEDUPE_SECONDS = env.int("ACCESS_LOG_DEDUPE_SECONDS", default=600)
ACCESS_REASON_VALID_SECONDS = env.int("ACCESS_REASON_VALID_SECONDS", default=3600)

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    # The header and footer fragments ({% cache ... using="fragments" %}, templates/components/): they depend on
    # the templates, URLs and translations only, which every process has alike and which change only with a
    # release (a new process), so each process keeps its own; a shared cache would cost a round trip per fragment.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api.auth.AgencyTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.FastJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Appeal portal — agency API",
    "DESCRIPTION": (
        "Agencies that operate algorithmic systems register model versions and push decisions here, "
        "and read each decision's status. Authenticate with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every agency operation documents the errors the shared machinery gives (explanations/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "explanations.api.schema.add_error_responses",
    ],
}

# One ingest request carries up to this many decisions (all-or-nothing).
INGEST_MAX_BATCH = env.int("INGEST_MAX_BATCH", default=10_000)
INGEST_MAX_BODY_BYTES = env.int("INGEST_MAX_BODY_BYTES", default=64 * 1024 * 1024)
# An Idempotency-Key stays "in flight" this long before a crashed request may be retried.
IDEMPOTENCY_STALE_SECONDS = env.int("IDEMPOTENCY_STALE_SECONDS", default=600)
# Agency API rate limits per token, "<n>/<s|min|hour|day>" (empty: off); over one, 429 with Retry-After
# (portal/api/throttles.py). Writes (a batch is up to INGEST_MAX_BATCH decisions) and reads count apart.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="600/min")
API_THROTTLE_READ_RATE = env("API_THROTTLE_READ_RATE", default="1200/min")

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Citizens through the identity provider (mozilla-django-oidc): answers only the provider's callback.
    "portal.accounts.oidc.CitizenOIDCBackend",
]

# Django's cached_db sessions: read from the cache (Redis in production), written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_SECONDS", default=8 * 3600)
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
STAFF_REQUIRE_TOTP = True  # staff sessions need password + authenticator code (StaffSecondFactorMiddleware)
# A browser's signed device cookie (portal/accounts/devices.py) is kept this long after its last sign-in.
DEVICE_COOKIE_AGE = env.int("DEVICE_COOKIE_AGE", default=180 * 24 * 3600)
# Reverse proxies (CIDR networks) whose X-Forwarded-For and X-Forwarded-Proto are believed; from anyone else
# those headers are dropped (portal/proxies.py). Loopback by default: a proxy on the same machine.
TRUSTED_PROXIES: list[str] = env.list("TRUSTED_PROXIES", default=["127.0.0.1/32", "::1/128"])
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Django's refusal page, with its inline style allowed by hash (the Content-Security-Policy below).
CSRF_FAILURE_VIEW = "portal.web.csrf_failure.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp), enforced here and so in production and tests; local settings send the
# same policy report-only. Pages run no inline script and carry no inline style (portal.js starts the design
# system, CSS classes in portal.css), so neither needs a nonce or 'unsafe-inline'. The API documentation pages
# loosen it for themselves only (portal/web/api_docs.py). tests/portal/web/test_csp.py and every browser test check it.
# Browsers report violations to /csp-report/, which logs them (portal/web/csp_report.py).
CONTENT_SECURITY_POLICY: dict[str, Any] | None = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "report-uri": ["/csp-report/"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "portal.logging.RedactIdentifiersFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Citizen sign-in through an OpenID Connect identity provider (the national eGov identity service in
# production), run by mozilla-django-oidc (portal/accounts/oidc.py). Off while OIDC_ISSUER or OIDC_CLIENT_ID is
# empty. The endpoints come from the issuer's discovery document (cached for an hour), so the OIDC_OP_* settings
# the library reads are filled in at each sign-in; the redirect URI is this site's callback in the language of
# the request (behind the proxy, SECURE_PROXY_SSL_HEADER makes it https).
OIDC_ISSUER = env("OIDC_ISSUER", default="")
OIDC_RP_CLIENT_ID = env("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env("OIDC_SCOPES", default="openid")
OIDC_IIN_CLAIM = env("OIDC_IIN_CLAIM", default="iin")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", default="eGov")
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
OIDC_RP_SIGN_ALGO = "RS256"  # ID tokens signed by a key of the provider's JWKS; HMAC and unsigned refused
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc-callback"
OIDC_OP_AUTHORIZATION_ENDPOINT = ""  # from the discovery document
OIDC_OP_TOKEN_ENDPOINT = ""  # from the discovery document
OIDC_OP_JWKS_ENDPOINT = ""  # from the discovery document
OIDC_OP_USER_ENDPOINT = ""  # not called: the ID token carries the claims

# --- Appeals: deadlines, notifications, decision letters, outcomes for agencies -----------------------------
# The assigned reviewer is reminded this many working days before an appeal is due (once per appeal).
APPEAL_REMINDER_WORKING_DAYS = env.int("APPEAL_REMINDER_WORKING_DAYS", default=3)
# Rows one scan transaction locks (SELECT … FOR UPDATE SKIP LOCKED) and handles before committing.
APPEAL_SCAN_BATCH = env.int("APPEAL_SCAN_BATCH", default=200)
# Notification delivery. Retries back off exponentially (base * 2^n, capped well below the broker's
# visibility timeout); after NOTIFY_MAX_ATTEMPTS provider calls a row is FAILED with its last error kept. A
# worker holds a lease on a row while it calls the provider; the lease must outlast the provider's timeout.
# The relay re-enqueues PENDING rows older than NOTIFY_RELAY_AGE_SECONDS and SENDING rows whose lease ran out.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=8)
NOTIFY_RETRY_BACKOFF_SECONDS = env.int("NOTIFY_RETRY_BACKOFF_SECONDS", default=15)
NOTIFY_RETRY_BACKOFF_MAX_SECONDS = env.int("NOTIFY_RETRY_BACKOFF_MAX_SECONDS", default=120)
NOTIFY_LEASE_SECONDS = env.int("NOTIFY_LEASE_SECONDS", default=120)
NOTIFY_RELAY_AGE_SECONDS = env.int("NOTIFY_RELAY_AGE_SECONDS", default=60)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The one SMS gateway (portal/sms.py), for one-time codes and notifications alike: idempotent by message id.
# Production: portal.sms.HttpSMSGateway, which POSTs signed JSON to SMS_HTTP_URL (HMAC-SHA256 with
# SMS_HTTP_SECRET, which also signs the provider's callbacks to /sms/status/); the console gateway is refused
# there (SMS_CONSOLE_ALLOWED, system check portal.E010). Timeouts in seconds; the callback's timestamp may be
# at most SMS_HTTP_SIGNATURE_MAX_AGE seconds off.
SMS_GATEWAY = env("SMS_GATEWAY", default="portal.sms.ConsoleSMSGateway")
SMS_CONSOLE_ALLOWED = True
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_SECRET = env("SMS_HTTP_SECRET", default="")
SMS_HTTP_CONNECT_TIMEOUT = env.float("SMS_HTTP_CONNECT_TIMEOUT", default=3.0)
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", default=10.0)
SMS_HTTP_SIGNATURE_MAX_AGE = env.int("SMS_HTTP_SIGNATURE_MAX_AGE", default=300)
# Signed outcome webhooks to agencies: retried by the beat scan with exponential backoff, then FAILED.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=12)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
# Next options stated in the decision letter, counted from the letter's date: a complaint to the ombudsman
# (calendar days) and a claim to court under the Administrative Procedure Code (months). Legal owns these.
APPEAL_OMBUDSMAN_DAYS = env.int("APPEAL_OMBUDSMAN_DAYS", default=30)
APPEAL_COURT_MONTHS = env.int("APPEAL_COURT_MONTHS", default=3)

# Appeal evidence: the largest file accepted and the most files on one appeal (appeals/services/evidence.py).
APPEAL_EVIDENCE_MAX_BYTES = env.int("APPEAL_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
APPEAL_EVIDENCE_MAX_FILES = env.int("APPEAL_EVIDENCE_MAX_FILES", default=10)
# Malware scanning of evidence (portal/scanner.py): clamd's local socket, e.g. /run/clamav/clamd.ctl. Empty turns
# scanning off, which only local settings allow (files are then stored as "not checked", with a warning).
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
CLAMD_TIMEOUT_SECONDS = env.int("CLAMD_TIMEOUT_SECONDS", default=30)
# WeasyPrint logs every layout step of every PDF at INFO; keep its warnings (missing glyphs, bad CSS) only.
LOGGING["loggers"] = {"weasyprint.progress": {"level": "WARNING"}}
