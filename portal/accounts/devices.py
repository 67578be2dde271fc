"""Who is asking for a one-time code: the client address and this browser's signed device cookie.

Every browser that reaches the code sign-in gets an HttpOnly cookie holding a random device id, signed with
Django's signing (`HttpResponse.set_signed_cookie`, salted, time-stamped), so it cannot be forged or edited.
After a successful sign-in the cookie also carries a keyed tag for that IIN (a salted HMAC of the device id and
the IIN's look-up hash: no IIN, nothing that works on another device). A browser whose cookie holds the tag
for an IIN is that IIN's *known device*: its code requests and failures are counted on their own, per IIN and
device, so nobody else's attempts against the IIN can slow it down (see services.otp_issue).

The cookie proves nothing about identity: it never signs anyone in, it only chooses which counters apply.
Codes are also bound to the device id that asked for them, so a code asked for elsewhere never ends this
browser's code. A client that sends no cookie gets a new id on every request and can never use a code.
"""

import dataclasses
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from . import throttle

DEVICE_COOKIE = "portal_device"
_SALT = "portal.accounts.device"
_REQUEST_ATTR = "_portal_device"
# A family computer may be used by a few people; older tags drop out first.
MAX_KNOWN_IINS = 5


def _tag(device: str, iin_hash: str) -> str:
    return salted_hmac(_SALT + ".iin", f"{device}\x00{iin_hash}", algorithm="sha256").hexdigest()[:24]


@dataclasses.dataclass(frozen=True)
class Requester:
    """The client asking: its address (throttle.client_ip), its device id and the IIN tags its cookie holds."""

    address: str
    device: str = ""
    tags: tuple[str, ...] = ()

    def knows(self, iin_hash: str) -> bool:
        """True when this browser signed in with this IIN before (its signed cookie holds the IIN's tag)."""
        return bool(self.device) and _tag(self.device, iin_hash) in self.tags

    @property
    def binding(self) -> str:
        """A stable, non-reversible key of the device for the code rows ("" without a device)."""
        if not self.device:
            return ""
        return salted_hmac(_SALT + ".binding", self.device, algorithm="sha256").hexdigest()[:32]


@dataclasses.dataclass
class _State:
    requester: Requester
    dirty: bool


def _parse(value: str | None) -> tuple[str, tuple[str, ...]] | None:
    if not value:
        return None
    device, _, tags = value.partition(":")
    if not device:
        return None
    return device, tuple(t for t in tags.split(".") if t)


def requester(request: HttpRequest) -> Requester:
    """The requester of this request; a browser without a valid cookie is given a new device id, which
    `finish` sets as a cookie on the response."""
    state = getattr(request, _REQUEST_ATTR, None)
    if state is None:
        raw = request.get_signed_cookie(
            DEVICE_COOKIE, default=None, salt=_SALT, max_age=settings.DEVICE_COOKIE_AGE
        )
        parsed = _parse(raw)
        dirty = parsed is None
        device, tags = parsed if parsed is not None else (secrets.token_urlsafe(18), ())
        state = _State(Requester(address=throttle.client_ip(request), device=device, tags=tags), dirty)
        setattr(request, _REQUEST_ATTR, state)
    return state.requester


def remember(request: HttpRequest, *, iin_hash: str) -> None:
    """Make this browser a known device for this IIN (call after a successful sign-in, then `finish`)."""
    current = requester(request)
    tag = _tag(current.device, iin_hash)
    tags = (*[t for t in current.tags if t != tag][-(MAX_KNOWN_IINS - 1) :], tag)
    setattr(request, _REQUEST_ATTR, _State(dataclasses.replace(current, tags=tags), dirty=True))


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Set the device cookie on the response when it is new or changed; returns the response."""
    state = getattr(request, _REQUEST_ATTR, None)
    if state is not None and state.dirty:
        current = state.requester
        response.set_signed_cookie(
            DEVICE_COOKIE,
            f"{current.device}:{'.'.join(current.tags)}",
            salt=_SALT,
            max_age=settings.DEVICE_COOKIE_AGE,
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
        )
    return response
