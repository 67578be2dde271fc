"""Helpers for benchmarks: a fresh PostgreSQL database, a gunicorn server with bench settings, timing."""

import base64
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def bench_env(db_name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.bench",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db_name}",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=base64.b64encode(b"b" * 32).decode(),
        IIN_HASH_KEY=base64.b64encode(b"h" * 32).decode(),
        PRIVATE_MEDIA_ROOT=f"/tmp/{db_name}-private",
        CONN_MAX_AGE="600",
        CACHE_URL="redis://127.0.0.1:6379/3",
        CLAMD_SOCKET=os.environ.get("CLAMD_SOCKET", "/tmp/portal-clamav/clamd.sock"),
        # Production settings refuse the console gateway; no benchmark sends a text.
        SMS_GATEWAY="portal.sms.HttpSMSGateway",
        SMS_HTTP_URL="http://127.0.0.1:9/unused",
        SMS_HTTP_SECRET="bench-only",
    )
    return env


def fresh_database(db_name: str) -> dict[str, str]:
    """Drop and create the database, migrate it; returns the environment that points at it."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    env = bench_env(db_name)
    subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int = 2, app: str = "portal.wsgi:application", timeout: int = 300
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            app,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield url, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def peak_rss_mb(pids: list[int]) -> float:
    """Largest VmHWM (peak resident set) among the processes, in MB."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except FileNotFoundError:
            continue
    return peak / 1024


def median_of(runs: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(runs))


def bench_line(name: str, value: float, unit: str, anchor: str, anchor_value: float) -> str:
    ratio = value / anchor_value if anchor_value else float("nan")
    return f"BENCH name={name} value={value:.4g} unit={unit} anchor={anchor} ratio={ratio:.3f}"


def report(line: str, **extra: Any) -> None:
    print(line, flush=True)
    for key, value in extra.items():
        print(f"  {key}: {value}", flush=True)
