"""Where browsers send reports of Content-Security-Policy violations (the policy's ``report-uri``,
CONTENT_SECURITY_POLICY in portal/settings/base.py): each is logged as one warning of the ``portal.csp`` logger.

Anyone can post here (a browser sends no session or CSRF token with a report), so the endpoint trusts nothing:
a body over MAX_BODY_BYTES is refused unread (413), anything but a JSON report is a 400 that says why, and at
most MAX_REPORTS reports of one body are logged, each distinct violation once per REPEAT_SECONDS; control
characters are replaced, so no field can forge a log line. A line names only the directive, the blocked source
(its kind, such as inline, or its address), the page and the script: addresses without their query string or fragment,
and never the code sample a browser may include, which can hold what the person typed. The log's filter also
redacts anything shaped like an IIN (portal/logging.py).
"""

import hashlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("portal.csp")

MAX_BODY_BYTES = 8 * 1024
MAX_REPORTS = 10
MAX_FIELD_CHARS = 200
REPEAT_SECONDS = 60  # one log line per distinct violation within this time
# report-uri sends application/csp-report; the Reporting API (report-to) application/reports+json.
CONTENT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
KEYWORDS = (
    "inline",
    "eval",
    "wasm-eval",
    "data",
    "blob",
    "self",
    "trusted-types-policy",
    "trusted-types-sink",
)


def _text(value: Any) -> str:
    """At most MAX_FIELD_CHARS of the value, with every control character (a line break that would forge a log
    line, a terminal escape) replaced by '?'."""
    if value is None:
        return ""
    return "".join(ch if ch.isprintable() else "?" for ch in str(value)[:MAX_FIELD_CHARS])


def _location(value: Any) -> str:
    """A URL without its query and fragment (scheme, host and path), or the keyword a browser uses instead."""
    text = _text(value)
    if text in KEYWORDS or not text:
        return text
    parts = urlsplit(text)
    if parts.scheme in ("data", "blob"):
        return parts.scheme
    if not parts.scheme:
        return "(not a URL)"
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:MAX_FIELD_CHARS]


def _reports(payload: Any) -> list[dict[str, Any]] | None:
    """The violation bodies of either format, or None when the payload is neither."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list) and all(isinstance(item, dict) for item in payload):
        return [
            item["body"]
            for item in payload
            if item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    return None


def _field(report: dict[str, Any], *names: str) -> Any:
    for name in names:
        if report.get(name) not in (None, ""):
            return report[name]
    return None


@csrf_exempt
@login_not_required
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in CONTENT_TYPES:
        return _refuse(415, f"A report is sent as one of: {', '.join(CONTENT_TYPES)}.")
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _refuse(400, "Content-Length is not a number.")
    if declared > MAX_BODY_BYTES:
        return _refuse(413, f"A report body is at most {MAX_BODY_BYTES} bytes.")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _refuse(413, f"A report body is at most {MAX_BODY_BYTES} bytes.")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _refuse(400, "The body is not JSON.")
    except RecursionError:  # 8 KiB of '[' is deeper than Python's stack
        return _refuse(400, "The body is nested too deeply to be a report.")
    reports = _reports(payload)
    if reports is None:
        return _refuse(400, 'The body is neither {"csp-report": {...}} nor a list of reports.')
    for report in reports[:MAX_REPORTS]:
        fields = (
            _text(_field(report, "effective-directive", "effectiveDirective", "violated-directive")),
            _location(_field(report, "blocked-uri", "blockedURL")),
            _location(_field(report, "document-uri", "documentURL")),
            _location(_field(report, "source-file", "sourceFile")),
            _text(_field(report, "line-number", "lineNumber")),
            _text(_field(report, "disposition")) or "enforce",
        )
        # The same violation is logged once a minute however many browsers (or a script) report it.
        key = "csp-report:" + hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
        if cache.add(key, 1, REPEAT_SECONDS):
            logger.warning("CSP violation: %s blocked %s on %s (from %s, line %s, %s)", *fields)
    return HttpResponse(status=204)


def _refuse(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
