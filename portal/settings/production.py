"""Production: every secret from the environment, secure transport, no debug."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
IIN_HASH_KEY = env("IIN_HASH_KEY")
# Texts must really be sent: the console and in-memory SMS gateways are refused (system check portal.E010).
SMS_CONSOLE_ALLOWED = False
# Evidence is scanned for malware by clamd (portal/scanner.py); production never runs without it.
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
if not CLAMD_SOCKET:
    raise ImproperlyConfigured(
        "Set CLAMD_SOCKET to clamd's local socket (e.g. /run/clamav/clamd.ctl): evidence uploads are scanned for "
        "malware in production"
    )
# Sessions, throttles, the working-day calendar and page caches must be shared by every web and worker process: a
# per-process memory cache would let one worker serve what another has already changed.
if CACHES["default"]["BACKEND"] in {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}:
    raise ImproperlyConfigured(
        "Set CACHE_URL to Redis (e.g. redis://redis:6379/1): production shares its cache"
    )

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes talk to each node directly over plain HTTP (portal/web/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Believed only from TRUSTED_PROXIES: portal.proxies.ForwardedHeadersMiddleware drops it from anyone else.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE

TEMPLATES[0]["APP_DIRS"] = False
TEMPLATES[0]["OPTIONS"]["loaders"] = [
    (
        "django.template.loaders.cached.Loader",
        [
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
    ),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
