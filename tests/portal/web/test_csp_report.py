"""The Content-Security-Policy report endpoint (portal/web/csp_report.py): browsers' reports are logged, without
query strings, code samples or identifiers; anything else is refused with a status that says why."""

import json
import logging
from typing import Any

import pytest
from django.test import Client

from portal.web.csp_report import MAX_BODY_BYTES, MAX_REPORTS


@pytest.fixture(autouse=True)
def _fresh_repeat_memory() -> None:
    """Each distinct violation is logged once a minute; every test starts with none seen."""
    from django.core.cache import cache

    cache.clear()


IIN = "900101300015"
REPORT = {
    "csp-report": {
        "document-uri": f"https://appeals.example.kz/en/lookup/?iin={IIN}#top",
        "referrer": f"https://appeals.example.kz/en/?iin={IIN}",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; report-uri /csp-report/",
        "disposition": "enforce",
        "blocked-uri": "https://evil.example/x.js?session=abc",
        "line-number": 12,
        "source-file": "https://appeals.example.kz/static/js/portal.js?v=1",
        "script-sample": f"alert('{IIN}')",
        "status-code": 200,
    }
}


def post(client: Client, body: Any, content_type: str = "application/csp-report", **extra: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post("/csp-report/", data=data, content_type=content_type, **extra)


@pytest.fixture
def client() -> Client:
    """As a browser sends a report: no session, no CSRF token, CSRF checks on."""
    return Client(enforce_csrf_checks=True)


def csp_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "portal.csp"]


def test_a_report_is_logged_with_paths_only(
    client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = post(client, REPORT)

    assert response.status_code == 204
    assert csp_lines(caplog) == [
        "CSP violation: script-src-elem blocked https://evil.example/x.js on https://appeals.example.kz/en/lookup/ "
        "(from https://appeals.example.kz/static/js/portal.js, line 12, enforce)"
    ]
    assert IIN not in caplog.text and "session=abc" not in caplog.text and "alert" not in caplog.text


def test_reports_in_the_reporting_api_format_are_logged_too(
    client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    body = [
        {
            "type": "csp-violation",
            "url": "https://appeals.example.kz/en/",
            "body": {
                "documentURL": "https://appeals.example.kz/en/",
                "effectiveDirective": "style-src-attr",
                "blockedURL": "inline",
                "disposition": "report",
                "lineNumber": 3,
            },
        },
        {"type": "deprecation", "body": {"id": "x"}},
    ]
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = post(client, body, content_type="application/reports+json")

    assert response.status_code == 204
    assert csp_lines(caplog) == [
        "CSP violation: style-src-attr blocked inline on https://appeals.example.kz/en/ (from , line 3, report)"
    ]


def test_at_most_so_many_reports_of_one_body_are_logged(
    client: Client, db: None, caplog: pytest.LogCaptureFixture
) -> None:
    reports = [
        {
            "type": "csp-violation",
            "body": {"effectiveDirective": "img-src", "blockedURL": "data", "lineNumber": n},
        }
        for n in range(MAX_REPORTS + 5)
    ]
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = post(client, reports, content_type="application/reports+json")
    assert response.status_code == 204
    assert len(csp_lines(caplog)) == MAX_REPORTS


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"x" * (MAX_BODY_BYTES + 1), "application/csp-report", 413, "at most"),
        (b"{not json", "application/csp-report", 400, "not JSON"),
        (b'"a string"', "application/csp-report", 400, "neither"),
        (b'{"csp-report": "x"}', "application/csp-report", 400, "neither"),
        (b"\xff\xfe", "application/csp-report", 400, "not JSON"),
        (json.dumps(REPORT).encode(), "text/plain", 415, "application/csp-report"),
    ],
)
def test_anything_but_a_report_is_refused_and_nothing_logged(
    client: Client,
    db: None,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    status: int,
    message: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = post(client, body, content_type=content_type)

    assert response.status_code == status
    assert message in response.content.decode()
    assert csp_lines(caplog) == []


def test_only_post_is_answered(client: Client, db: None) -> None:
    assert client.get("/csp-report/").status_code == 405


def test_a_signed_in_browser_reports_the_same_way(db: None, caplog: pytest.LogCaptureFixture) -> None:
    from portal.accounts.models import Role, User

    user = User.objects.create_user(username="citizen", password="not-used-here-123", role=Role.CITIZEN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        assert post(client, REPORT).status_code == 204
    assert len(csp_lines(caplog)) == 1


def test_a_body_nested_too_deeply_is_a_400_not_a_500(client) -> None:
    response = client.post("/csp-report/", "[" * 8000, content_type="application/csp-report")
    assert response.status_code == 400
    assert b"nested too deeply" in response.content


def test_a_field_cannot_forge_a_log_line_and_repeats_are_logged_once(client, caplog) -> None:
    report = {
        "csp-report": {
            "document-uri": "https://appeals.example.kz/en/",
            "effective-directive": "script-src\nCSP violation: forged\x1b[31m",
            "blocked-uri": "inline",
        }
    }
    with caplog.at_level("WARNING", logger="portal.csp"):
        for _ in range(3):
            response = client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")
            assert response.status_code == 204
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.csp"]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\x1b" not in lines[0]
    assert "script-src?CSP violation: forged?[31m" in lines[0]
