"""Embedded defaults for `make run`: SQLite, Celery eager, email to the console. Not for production."""

from .base import *
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret-0123456789abcdef")
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default="bG9jYWwtZGV2LW9ubHktZmllbGQta2V5LTMyYnl0ZXM=")
IIN_HASH_KEY = env("IIN_HASH_KEY", default="bG9jYWwtZGV2LW9ubHktaWluLWhhc2gta2V5LTMyYnk=")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
