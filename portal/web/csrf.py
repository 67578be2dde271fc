"""The page chrome's CSRF token: Django's masked token, with its random mask drawn in one CSPRNG call.

Django masks the browser's CSRF secret afresh for every response (its defence against BREACH), drawing the
32 mask characters with 32 `secrets.choice` calls, one urandom system call each: about a tenth of the CPU of a
cached explanation page. `masked_token` produces a token of exactly the same form (a fresh uniformly random
mask, then the secret shifted by it, so Django's own CsrfViewMiddleware checks it unchanged) from one
`secrets.token_bytes` call, with rejection sampling so that every character stays equally likely. Without a
valid secret in the request (a first visit) it is Django's `get_token` itself, which also creates the cookie.

Unlike `get_token`, it does not ask for the cookie to be sent again when the browser already holds it: that
would only push back the cookie's expiry (CSRF_COOKIE_AGE, a year) and costs a Set-Cookie on every page. Pages
with a form of their own use Django's `{% csrf_token %}` and still renew it; a cookie that does expire is
simply created again on the next page, as on a first visit. A rotation earlier in the request (sign-in) has
already asked for the cookie to be sent, and that stands.
"""

import secrets

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {c: i for i, c in enumerate(_CHARS)}
_BASE = len(_CHARS)
_UNBIASED_BELOW = 256 - 256 % _BASE  # bytes at or above this would favour the first characters


def _random_indices(count: int) -> list[int]:
    out: list[int] = []
    while len(out) < count:
        out.extend(b % _BASE for b in secrets.token_bytes(count + 8) if b < _UNBIASED_BELOW)
    return out[:count]


def masked_token(request: HttpRequest) -> str:
    """What `django.middleware.csrf.get_token(request)` returns, computed with one random draw."""
    secret = request.META.get("CSRF_COOKIE")
    if (
        not isinstance(secret, str)
        or len(secret) != CSRF_SECRET_LENGTH
        or not all(c in _INDEX for c in secret)
    ):
        return get_token(request)
    mask = _random_indices(CSRF_SECRET_LENGTH)
    cipher = "".join(_CHARS[(_INDEX[s] + m) % _BASE] for s, m in zip(secret, mask, strict=True))
    return "".join(_CHARS[m] for m in mask) + cipher
