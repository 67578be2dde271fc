"""Liveness and readiness endpoints for the load balancer and the process supervisor.

- ``/healthz``: the process answers (no database, no cache): restart it only when this fails.
- ``/readyz``: the process can serve: the database answers and has no unapplied migration, the cache stores
  and returns a value, and (unless Celery runs eagerly) the broker accepts a connection. Take the node out of
  rotation while this answers 503; the JSON body names the failing check, never a secret.

Both are plain-text-free JSON, never cached, exempt from the sign-in requirement and from the HTTPS redirect
(probes talk to the node directly); they still need a Host header in ``DJANGO_ALLOWED_HOSTS``.
"""

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.celery import app

logger = logging.getLogger(__name__)

_migrations_checked = False  # once the schema is current it stays current for this process's code


def _database() -> None:
    global _migrations_checked
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrations_checked:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise RuntimeError("unapplied migrations")
        _migrations_checked = True


def _cache() -> None:
    key, value = "portal:readyz", uuid.uuid4().hex
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return the value stored")


def _broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=0, timeout=2)


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "broker": _broker}


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except (
            Exception
        ) as exc:  # any failure means not ready; the log has the detail, the body only the name
            logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "failed"
        else:
            results[name] = "ok"
    ready = all(v == "ok" for v in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503
    )
