"""The one SMS interface: the HTTP gateway against the real stub provider (deploy/sms_stub.py) on 127.0.0.1,
signatures both ways, the delivery-status callback, and the console gateway refused in production."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.utils import timezone

from portal import sms
from portal.accounts.models import SmsDelivery

ROOT = Path(__file__).resolve().parents[3]
SECRET = "test-sms-secret-0123456789"


def _load_stub() -> Any:
    spec = importlib.util.spec_from_file_location("sms_stub", ROOT / "deploy" / "sms_stub.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sms_stub = _load_stub()


def run_stub(tmp_path: Path, **options: Any) -> Any:
    server = sms_stub.StubServer(("127.0.0.1", 0), secret=SECRET, out=str(tmp_path / "sms.jsonl"), **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[Any]:
    server = run_stub(tmp_path)
    yield server
    server.shutdown()
    server.server_close()


def received(server: Any) -> list[dict[str, Any]]:
    path = Path(server.out)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def message(n: int = 1) -> sms.SMSMessage:
    return sms.SMSMessage(message_id=f"test:{n}", to="+77011234567", text="Сіздің кодыңыз 123456")


# --- the HTTP gateway against the stub --------------------------------------------------------------------------


def test_the_http_gateway_posts_signed_json_and_returns_the_providers_id(stub: Any) -> None:
    gateway = sms.HttpSMSGateway(url=stub.url, secret=SECRET)

    provider_id = gateway.send(message())
    again = gateway.send(message())

    assert provider_id == again == "stub-1"
    (line,) = received(stub)  # the same message id is delivered once
    assert (line["message_id"], line["to"], line["text"]) == (
        "test:1",
        "+77011234567",
        "Сіздің кодыңыз 123456",
    )


def test_the_stub_refuses_a_wrong_signature_and_the_gateway_calls_it_permanent(stub: Any) -> None:
    gateway = sms.HttpSMSGateway(url=stub.url, secret="not-the-secret")

    with pytest.raises(sms.PermanentSMSError, match="401"):
        gateway.send(message())
    assert received(stub) == []


def test_the_stub_refuses_a_replayed_old_request(stub: Any) -> None:
    body = json.dumps({"message_id": "m", "to": "+7701", "text": "t"}).encode()
    headers = sms.signed_headers(secret=SECRET, body=body, now=time.time() - 3600)
    connection = __import__("http.client").client.HTTPConnection(
        "127.0.0.1", stub.server_address[1], timeout=5
    )
    connection.request("POST", "/", body=body, headers=headers)

    assert connection.getresponse().status == 401


def test_a_5xx_answer_is_retryable_and_a_later_send_succeeds(tmp_path: Path) -> None:
    server = run_stub(tmp_path, fail_first=1)
    try:
        gateway = sms.HttpSMSGateway(url=server.url, secret=SECRET)
        with pytest.raises(sms.RetryableSMSError, match="503"):
            gateway.send(message())
        assert gateway.send(message()) == "stub-1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_connection_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    gateway = sms.HttpSMSGateway(url=f"http://127.0.0.1:{port}/", secret=SECRET, connect_timeout=1)

    with pytest.raises(sms.RetryableSMSError):
        gateway.send(message())


def test_a_provider_that_never_answers_times_out_as_retryable() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never answers
        port = listener.getsockname()[1]
        gateway = sms.HttpSMSGateway(url=f"http://127.0.0.1:{port}/", secret=SECRET, read_timeout=0.3)
        began = time.monotonic()
        with pytest.raises(sms.RetryableSMSError, match=r"timeout|TimeoutError"):
            gateway.send(message())
    assert time.monotonic() - began < 5


def test_the_http_gateway_needs_its_address_and_secret() -> None:
    with pytest.raises(ImproperlyConfigured):
        sms.HttpSMSGateway(url="", secret=SECRET)
    with pytest.raises(ImproperlyConfigured):
        sms.HttpSMSGateway(url="ftp://example.kz/", secret=SECRET)


def test_sms_send_stores_the_providers_message_id(db: None, stub: Any, settings: Any) -> None:
    settings.SMS_GATEWAY = "portal.sms.HttpSMSGateway"
    settings.SMS_HTTP_URL, settings.SMS_HTTP_SECRET = stub.url, SECRET

    sms.send(message=message(7), now=timezone.now())

    row = SmsDelivery.objects.get(message_id="test:7")
    assert (row.provider_id, row.status) == ("stub-1", SmsDelivery.Status.SENT)


# --- the delivery-status callback ---------------------------------------------------------------------------------


def post_status(client: Client, payload: Any, *, secret: str = SECRET, now: float | None = None) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = sms.signed_headers(secret=secret, body=body, now=now)
    return client.post(
        "/sms/status/",
        body,
        content_type="application/json",
        headers={"X-Timestamp": headers["X-Timestamp"], "X-Signature": headers["X-Signature"]},
    )


@pytest.fixture
def machine(settings: Any) -> Client:
    settings.SMS_HTTP_SECRET = SECRET
    return Client(enforce_csrf_checks=True)  # a machine sends no CSRF token: the endpoint must not need one


def test_a_signed_status_callback_records_delivered_on_the_message_row(db: None, machine: Client) -> None:
    SmsDelivery.objects.create(message_id="otp:1", provider_id="p-1", sent_at=timezone.now())

    response = post_status(machine, {"message_id": "otp:1", "id": "p-1", "status": "delivered"})

    assert response.status_code == 204, response.content
    row = SmsDelivery.objects.get(message_id="otp:1")
    assert row.status == SmsDelivery.Status.DELIVERED and row.status_at is not None


def test_a_failed_status_keeps_the_providers_reason(db: None, machine: Client) -> None:
    response = post_status(machine, {"message_id": "otp:2", "status": "failed", "error": "absent subscriber"})

    assert response.status_code == 204, response.content
    row = SmsDelivery.objects.get(message_id="otp:2")  # the callback came before the send was recorded
    assert (row.status, row.detail) == (SmsDelivery.Status.FAILED, "absent subscriber")
    sms.send(message=sms.SMSMessage(message_id="otp:2", to="+7701", text="x"), now=timezone.now())
    assert SmsDelivery.objects.get(message_id="otp:2").status == SmsDelivery.Status.FAILED  # never undone


@pytest.mark.parametrize(
    "kwargs",
    [{"secret": "wrong-secret"}, {"now": time.time() - 3600}],
    ids=["wrong-secret", "stale-timestamp"],
)
def test_a_status_callback_without_a_valid_recent_signature_is_refused(
    db: None, machine: Client, kwargs: dict[str, Any]
) -> None:
    SmsDelivery.objects.create(message_id="otp:3", sent_at=timezone.now())

    response = post_status(machine, {"message_id": "otp:3", "status": "delivered"}, **kwargs)

    assert response.status_code == 403
    assert SmsDelivery.objects.get(message_id="otp:3").status == SmsDelivery.Status.SENT


def test_an_unsigned_status_callback_is_refused(db: None, machine: Client) -> None:
    response = machine.post(
        "/sms/status/", {"message_id": "x", "status": "delivered"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert not SmsDelivery.objects.filter(message_id="x").exists()


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        [1, 2],
        {"status": "delivered"},
        {"message_id": "m", "status": "read"},
        {"message_id": "m", "status": "failed", "error": 5},
    ],
    ids=["not-json", "not-an-object", "no-message-id", "unknown-status", "error-not-a-string"],
)
def test_a_malformed_status_callback_is_a_400_and_writes_nothing(
    db: None, machine: Client, payload: Any
) -> None:
    response = post_status(machine, payload)

    assert response.status_code == 400, response.content
    assert "detail" in response.json()
    assert not SmsDelivery.objects.filter(message_id="m").exists()


def test_the_stub_reports_delivery_to_the_portal_over_http(
    transactional_db: None, live_server: Any, tmp_path: Path, settings: Any
) -> None:
    settings.SMS_GATEWAY = "portal.sms.HttpSMSGateway"
    server = run_stub(tmp_path, callback=f"{live_server.url}/sms/status/")
    settings.SMS_HTTP_URL, settings.SMS_HTTP_SECRET = server.url, SECRET
    try:
        sms.send(message=message(9), now=timezone.now())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if SmsDelivery.objects.get(message_id="test:9").status == SmsDelivery.Status.DELIVERED:
                break
            time.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()

    assert SmsDelivery.objects.get(message_id="test:9").status == SmsDelivery.Status.DELIVERED


# --- development gateways, and their refusal in production ------------------------------------------------------


def test_the_console_gateway_prints_the_text_only_with_debug_on(
    capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    gateway = sms.ConsoleSMSGateway()
    settings.DEBUG = False
    gateway.send(sms.SMSMessage(message_id="m", to="+77011234567", text="Your code is 123456."))
    assert "123456" not in capsys.readouterr().out

    settings.DEBUG = True
    gateway.send(sms.SMSMessage(message_id="m", to="+77011234567", text="Your code is 123456."))
    printed = capsys.readouterr().out
    assert "123456" in printed and "+77011234567" not in printed


@pytest.mark.parametrize("gateway", ["portal.sms.ConsoleSMSGateway", "portal.sms.LocmemSMSGateway"])
def test_a_development_gateway_is_refused_where_console_is_not_allowed(gateway: str) -> None:
    with override_settings(SMS_GATEWAY=gateway, SMS_CONSOLE_ALLOWED=False):
        (error,) = sms.check_sms_gateway()
        assert error.id == "portal.E010"
        with pytest.raises(ImproperlyConfigured):
            sms.gateway()


def test_the_http_gateway_without_its_settings_fails_the_check() -> None:
    with override_settings(SMS_GATEWAY="portal.sms.HttpSMSGateway", SMS_HTTP_URL="", SMS_HTTP_SECRET=""):
        assert [e.id for e in sms.check_sms_gateway()] == ["portal.E011"]
    with override_settings(
        SMS_GATEWAY="portal.sms.HttpSMSGateway",
        SMS_HTTP_URL="https://sms.example.kz/send",
        SMS_HTTP_SECRET="s",
    ):
        assert sms.check_sms_gateway() == []


def _production_check(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEY": "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTM=",
        "IIN_HASH_KEY": "dGVzdC1vbmx5LWlpbi1oYXNoLWtleS0zMi1ieXRlcy0=",
        "DJANGO_ALLOWED_HOSTS": "appeals.example.kz",
        "CLAMD_SOCKET": "/run/clamav/clamd.ctl",
        "CACHE_URL": "redis://127.0.0.1:6379/10",
        **extra,
    }
    if "SMS_GATEWAY" not in extra:
        env.pop("SMS_GATEWAY", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_refuse_the_console_gateway_at_startup() -> None:
    refused = _production_check()  # SMS_GATEWAY left at its default, the console gateway
    accepted = _production_check(
        SMS_GATEWAY="portal.sms.HttpSMSGateway",
        SMS_HTTP_URL="https://sms.example.kz/send",
        SMS_HTTP_SECRET="s",
    )

    assert refused.returncode != 0 and "portal.E010" in refused.stderr, refused.stderr
    assert "portal.E010" not in accepted.stderr + accepted.stdout, accepted.stderr
