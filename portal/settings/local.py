"""Embedded defaults for `make run`: SQLite, Celery eager, email to the console. Not for production."""

from .base import *
from .base import CONTENT_SECURITY_POLICY, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret-0123456789abcdef")
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="bG9jYWwtZGV2LW9ubHktZmllbGQta2V5LTMyYnl0ZXM=")
IIN_HASH_KEY = env("IIN_HASH_KEY", default="bG9jYWwtZGV2LW9ubHktaWluLWhhc2gta2V5LTMyYnk=")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# The same Content-Security-Policy, report-only: the browser console shows what it would block, nothing breaks
# while a page is being written. Production and test settings enforce it (base.py).
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
CONTENT_SECURITY_POLICY = None
