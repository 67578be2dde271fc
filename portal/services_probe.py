"""Find PostgreSQL and Redis for tests; with REQUIRE_SERVICES=1 a missing service is an error, not a skip."""

import os
import socket
from urllib.parse import urlparse


class ServiceUnavailable(RuntimeError):
    pass


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def _required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def postgres_url() -> str | None:
    """The PostgreSQL URL tests use, or None to fall back to SQLite (never when services are required)."""
    url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    if _reachable(url, 5432):
        return url
    if _required():
        raise ServiceUnavailable(f"PostgreSQL is required (REQUIRE_SERVICES=1) but not reachable at {url}")
    return None


def redis_url() -> str | None:
    """The Redis URL for Celery in tests, or None when Redis is not reachable (never when required)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    if _reachable(url, 6379):
        return url
    if _required():
        raise ServiceUnavailable(f"Redis is required (REQUIRE_SERVICES=1) but not reachable at {url}")
    return None


def clamd_socket() -> str | None:
    """clamd's socket for tests (deploy/clamav/start.sh starts one there), or None when it does not answer PING
    (never when services are required)."""
    path = os.environ.get("TEST_CLAMD_SOCKET", "/tmp/portal-clamav/clamd.sock")  # noqa: S108
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(2)
            conn.connect(path)
            conn.sendall(b"zPING\0")
            if conn.recv(16).startswith(b"PONG"):
                return path
    except OSError:
        pass
    if _required():
        raise ServiceUnavailable(
            f"clamd is required (REQUIRE_SERVICES=1) but does not answer on {path}: run deploy/clamav/start.sh"
        )
    return None
