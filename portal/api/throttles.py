"""Rate limits of the agency API, per agency token, with DRF's throttle (its history kept in Django's cache).

Writes (ingest, model versions, acknowledgements, reviews) and reads (decisions, polls) have separate budgets,
API_THROTTLE_RATE and API_THROTTLE_READ_RATE ("<n>/<s|min|hour|day>"; empty turns a limit off). Over a budget
the API answers 429 with Retry-After and its JSON error shape. The rates are read from settings on each
request (DRF's own class reads them once at import, which would ignore a changed setting). As with any DRF
throttle, concurrent requests of one token in different workers can race on the history, so a burst may
pass a few requests over the limit; the limit is a guard against runaway clients, not an exact quota.
"""

import re
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .auth import AgencyPrincipal

RATE_SETTINGS = ("API_THROTTLE_RATE", "API_THROTTLE_READ_RATE")
_RATE = re.compile(r"^[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)$")


def check_rates(**kwargs: Any) -> list[CheckMessage]:
    """A system check (explanations.E001): a rate DRF cannot parse would fail every API request."""
    return [
        Error(
            f"{name}={value!r} is not a rate.",
            hint="Use <requests>/<s|min|hour|day>, e.g. 600/min, or leave it empty to turn the limit off.",
            id="explanations.E001",
        )
        for name in RATE_SETTINGS
        if (value := getattr(settings, name, None)) and not _RATE.match(str(value))
    ]


class _AgencyTokenThrottle(SimpleRateThrottle):
    rate_setting = ""
    reads = False

    def __init__(self) -> None:  # the rate is read per request (see the module's docstring)
        self.rate: str | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if (request.method in SAFE_METHODS) != self.reads:
            return True
        self.rate = getattr(settings, self.rate_setting, None) or None
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        principal = request.user
        if not isinstance(principal, AgencyPrincipal):
            return None  # not an agency request: authentication answers it
        return self.cache_format % {"scope": self.scope, "ident": principal.token.pk}


class AgencyWriteThrottle(_AgencyTokenThrottle):
    scope = "agency_write"
    rate_setting = "API_THROTTLE_RATE"


class AgencyReadThrottle(_AgencyTokenThrottle):
    scope = "agency_read"
    rate_setting = "API_THROTTLE_READ_RATE"
    reads = True
