"""The container probe sends a Host the portal serves (Django answers 400 to 127.0.0.1 outside ALLOWED_HOSTS)."""

import http.server
import importlib.util
import threading
from pathlib import Path

import pytest
from django.conf import settings

_spec = importlib.util.spec_from_file_location("probe", Path(settings.BASE_DIR) / "deploy" / "probe.py")
assert _spec and _spec.loader
probe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe)


@pytest.fixture
def node(monkeypatch):
    seen: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers["Host"]))
            ok = self.headers["Host"] == "appeals.example.kz" and self.path in {"/healthz", "/readyz"}
            self.send_response(200 if ok else 400)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PROBE_PORT", str(server.server_address[1]))
    yield seen
    server.shutdown()


def test_the_probe_names_the_first_allowed_host(node, monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "appeals.example.kz,www.appeals.example.kz")
    assert probe.main("/readyz") == 0
    assert node == [("/readyz", "appeals.example.kz")]


def test_the_probe_fails_on_any_other_answer(node, monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "other.example.kz")
    assert probe.main("/healthz") == 1


def test_the_probe_fails_when_nothing_listens(monkeypatch) -> None:
    monkeypatch.setenv("PROBE_PORT", "1")
    assert probe.main("/healthz") == 1
