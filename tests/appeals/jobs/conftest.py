"""Fixtures for the deadline, delivery, letter and outcome jobs: a Celery worker on real Redis that a test can
SIGKILL (with its children) and start again, and the recording fake providers' sink."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from ..conftest import World
from .fake_providers import Sink

ROOT = Path(__file__).resolve().parents[3]


class Workers:
    """Start, SIGKILL and stop Celery worker processes, each in its own process group."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, concurrency: int = 2) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--loglevel=WARNING",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"jobs-{uuid.uuid4().hex[:8]}@%h",
            ],
            env=self.env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9 the worker and every child it forked: nothing gets to clean up or acknowledge."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(30)


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """Requests activate their URL's language for the rest of the thread; later tests expect the default."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def sink(redis_broker: str) -> Iterator[Sink]:
    s = Sink(url=redis_broker, prefix=f"fake-sink-{uuid.uuid4().hex}")
    yield s
    s.clear()


@pytest.fixture
def workers(
    transactional_db: None, redis_broker: str, settings: Any, sink: Sink, tmp_path: Path
) -> Iterator[Workers]:
    """Real Celery workers on real Redis using this test's database, with the recording fake providers."""
    import redis as redis_lib

    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database server")
    redis_lib.Redis.from_url(redis_broker).delete("celery", "unacked", "unacked_index")
    from portal.celery import app

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_broker
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        TEST_DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        TEST_REDIS_URL=redis_broker,
        CELERY_TASK_ALWAYS_EAGER="false",
        TEST_PRIVATE_MEDIA_ROOT=settings.PRIVATE_MEDIA_ROOT,
        TEST_SMS_GATEWAY="tests.appeals.jobs.fake_providers.RecordingSMSGateway",
        TEST_EMAIL_BACKEND="tests.appeals.jobs.fake_providers.RecordingEmailBackend",
        FAKE_SINK_URL=sink.url,
        FAKE_SINK_PREFIX=sink.prefix,
        FAKE_SINK_DELAY_MS="60",
        # A short lease, so that the killed worker's claims run out within the test.
        NOTIFY_LEASE_SECONDS="5",
    )
    pool = Workers(env)
    try:
        yield pool
    finally:
        pool.stop_all()
        app.conf.task_always_eager = True


def wait_for(predicate: Any, *, timeout: float, interval: float = 0.2, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message}")


@pytest.fixture
def jobs_world(transactional_db: None) -> World:
    return World()
