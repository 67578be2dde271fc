"""Shared fixtures. Tests run on PostgreSQL and Redis when reachable; REQUIRE_SERVICES=1 makes them mandatory
(enforced when the test settings load, see portal/services_probe.py)."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

# Property tests search at random while developing and in soak runs (ENGINE_EXAMPLES=5000 and a random seed find
# the rare float edge cases); under CI (REQUIRE_SERVICES=1, or HYPOTHESIS_PROFILE=ci) the search is derandomised,
# so a run on an unchanged tree gives the same verdict and a red build is always reproducible. A failure a soak
# run finds is pinned with @example in the test, so CI keeps checking it.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("REQUIRE_SERVICES") == "1" else "dev")
)


@pytest.fixture
def postgres(db: None) -> None:
    """Skip (or fail, under REQUIRE_SERVICES=1) a test that needs PostgreSQL itself."""
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("PostgreSQL is required for this test")
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def redis_broker() -> str:
    """The Redis URL Celery uses in tests; skip (or fail under REQUIRE_SERVICES=1) without Redis."""
    from portal.services_probe import redis_url

    url = redis_url()
    if url is None:
        pytest.skip("needs Redis")
    return url


@pytest.fixture
def clamd(settings: Any) -> str:
    """Point CLAMD_SOCKET at the test clamd (deploy/clamav/start.sh); skip without it, or fail under
    REQUIRE_SERVICES=1. Yields the socket path."""
    from portal.services_probe import ServiceUnavailable, clamd_socket

    try:
        path = clamd_socket()
    except ServiceUnavailable as exc:
        pytest.fail(str(exc))
    if path is None:
        pytest.skip("needs clamd (deploy/clamav/start.sh)")
    settings.CLAMD_SOCKET = path
    return path


@pytest.fixture
def celery_worker_process(transactional_db: None, redis_broker: str, settings: Any) -> Iterator[Any]:
    """A real Celery worker process on real Redis, using this test's database. Yields the Popen."""
    import redis as redis_lib

    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database server")
    redis_lib.Redis.from_url(redis_broker).flushdb()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from portal.celery import app

    app.conf.task_always_eager = False
    app.conf.broker_url = redis_broker
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        TEST_DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        TEST_REDIS_URL=redis_broker,
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--loglevel=WARNING",
            "--concurrency=2",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        yield proc
    finally:
        app.conf.task_always_eager = True
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in English (its assertions read English), whatever an earlier request activated;
    tests of other languages request /kk/ or /ru/ URLs or activate the language themselves."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: on SQLite a rolled-back test's ids are used again, and a user or page
    cached under an id by an earlier test must not answer for a later one. With Redis (portal/settings/test.py)
    only this worker's keys are deleted: other test processes may share the database."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    for alias in settings.CACHES:
        if alias != "default":
            caches[alias].clear()  # in-memory (the template fragments)
    default = caches["default"]
    if not isinstance(default, RedisCache):
        default.clear()
        return
    import redis as redis_lib

    config = settings.CACHES["default"]
    client = redis_lib.Redis.from_url(config["LOCATION"])
    try:
        keys = list(client.scan_iter(match=f"{config['KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
