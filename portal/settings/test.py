"""Test settings: PostgreSQL and Redis when reachable (required with REQUIRE_SERVICES=1), else embedded."""

import os

from portal.services_probe import postgres_url, redis_url

from .base import *
from .base import CACHES, DATABASES, env

SECRET_KEY = "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
FIELD_ENCRYPTION_KEY = "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTM="
IIN_HASH_KEY = "dGVzdC1vbmx5LWlpbi1oYXNoLWtleS0zMi1ieXRlcy0="
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# So tests may force_login staff; tests/portal/accounts/test_staff_totp.py turns it on.
STAFF_REQUIRE_TOTP = False
AUDIT_CHECKPOINT_DIR = (
    ""  # each test database has its own chain; tests of the export point it at a scratch folder
)

_pg = postgres_url()
if _pg:
    DATABASES = {"default": env.db_url_config(_pg)}
    # Tests do not need durability across a power cut; this makes each commit cheap, nothing else changes.
    DATABASES["default"]["OPTIONS"] = {"options": "-c synchronous_commit=off"}
_redis = redis_url()
if _redis:
    CELERY_BROKER_URL = _redis
    # The cache production uses (sessions, throttles, the page cache), in the test's own
    # Redis database; keys are prefixed per pytest-xdist worker, and tests/conftest.py empties the prefix before
    # each test.
    CACHES = {
        **CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis,
            "KEY_PREFIX": f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
        },
    }
PRIVATE_MEDIA_ROOT = os.environ.get("TEST_PRIVATE_MEDIA_ROOT", "/tmp/portal-test-private")  # noqa: S108
STATIC_ROOT = os.environ.get("TEST_STATIC_ROOT", "/tmp/portal-test-static")  # noqa: S108
os.makedirs(STATIC_ROOT, exist_ok=True)
# The worker-kill test (tests/appeals/jobs) points a worker subprocess at recording fake providers.
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", EMAIL_BACKEND)
SMS_GATEWAY = os.environ.get("TEST_SMS_GATEWAY", SMS_GATEWAY)
