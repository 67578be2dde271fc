"""Trusted proxies: X-Forwarded-For and X-Forwarded-Proto count only from TRUSTED_PROXIES, the real client is the
right-most untrusted address, and the one-time-code limits apply per real client behind a proxy."""

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from portal import proxies
from portal.accounts import services, throttle

from .conftest import fresh_iin, url


def meta(remote: str, forwarded: str | None = None) -> dict[str, object]:
    values: dict[str, object] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        values["HTTP_X_FORWARDED_FOR"] = forwarded
    return values


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (
            "198.51.100.7",
            "203.0.113.1",
            "198.51.100.7",
        ),  # not from a proxy: the header is the client's own words
        ("127.0.0.1", "203.0.113.1", "203.0.113.1"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # spoofed left part ignored
        ("127.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),  # every hop a proxy: the left-most
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-ip, 203.0.113.9", "203.0.113.9"),
        ("127.0.0.1", "203.0.113.9, not-an-ip", "127.0.0.1"),  # garbage from the proxy's side ends the walk
        ("127.0.0.1", "[2001:db8::1]:4711", "2001:db8::1"),
        ("127.0.0.1", "203.0.113.9:5555", "203.0.113.9"),
        ("::ffff:127.0.0.1", "203.0.113.9", "203.0.113.9"),
    ],
)
def test_the_client_is_the_right_most_untrusted_address_and_only_behind_a_trusted_proxy(
    remote: str, forwarded: str, expected: str
) -> None:
    with override_settings(TRUSTED_PROXIES=["127.0.0.1/32", "10.0.0.0/8"]):
        assert proxies.client_address(meta(remote, forwarded)) == expected


def test_without_trusted_proxies_forwarded_for_is_never_believed() -> None:
    with override_settings(TRUSTED_PROXIES=[]):
        assert proxies.client_address(meta("127.0.0.1", "203.0.113.1")) == "127.0.0.1"


def test_the_throttles_use_the_same_one_function() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.4")
    with override_settings(TRUSTED_PROXIES=["127.0.0.1/32"]):
        assert throttle.client_ip(request) == "203.0.113.4"


def _start(client: Client, post_with_commit: Any, **extra: Any) -> int:
    return post_with_commit(client, url("accounts:sign-in"), {"iin": fresh_iin()}, **extra).status_code


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_behind_a_proxy_the_code_limits_apply_per_real_client(db: None, post_with_commit: Any) -> None:
    limit = services.OTP_ISSUE_PER_ADDRESS
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    busy = [
        _start(Client(), post_with_commit, **proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
        for _ in range(limit.free + 2)
    ]
    neighbour = _start(Client(), post_with_commit, **proxy, HTTP_X_FORWARDED_FOR="203.0.113.51")

    assert busy[-1] == 429 and busy[:-1] == [302] * (limit.free + 1)
    assert neighbour == 302  # another client behind the same proxy is not held up


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_a_spoofed_forwarded_for_from_an_untrusted_client_is_ignored(db: None, post_with_commit: Any) -> None:
    limit = services.OTP_ISSUE_PER_ADDRESS
    statuses = [
        _start(Client(), post_with_commit, REMOTE_ADDR="198.51.100.77", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(limit.free + 2)
    ]

    assert statuses[-1] == 429  # a new made-up address per request did not give it a fresh budget


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("https" if request.is_secure() else "http")


@pytest.mark.parametrize(("remote", "scheme"), [("127.0.0.1", "https"), ("198.51.100.7", "http")])
def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(remote: str, scheme: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https")
    with override_settings(
        TRUSTED_PROXIES=["127.0.0.1/32"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        response = proxies.ForwardedHeadersMiddleware(_view)(request)

    assert response.content.decode() == scheme


def test_the_middleware_runs_first_in_every_environment() -> None:
    from django.conf import settings

    assert settings.MIDDLEWARE[0] == "portal.proxies.ForwardedHeadersMiddleware"
