"""`never_cache` for the hottest pages: the same headers as Django's, set directly.

Django's `never_cache` merges its directives into whatever Cache-Control the response already has: it parses the
header, formats an HTTP date and rebuilds the header, about 40 µs per response, a twentieth of a cached
explanation page. A response that carries neither header (every page these views render) gets exactly the two
headers Django would set; any other response goes through Django's own function.
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

# What add_never_cache_headers leaves on a response that had no Cache-Control.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"

_date: tuple[int, str] = (0, "")


def _now_http_date() -> str:
    """The Expires value for now (an HTTP date has whole seconds: formatted once per second)."""
    global _date
    second = int(time.time())
    if _date[0] != second:
        _date = (second, http_date(second))
    return _date[1]


def never_cache(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Like django.views.decorators.cache.never_cache, for function views."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not hasattr(request, "META"):  # as Django's check
            raise TypeError("never_cache didn't receive an HttpRequest: use method_decorator on a method.")
        response = view(request, *args, **kwargs)
        if "Cache-Control" in response or "Expires" in response:
            add_never_cache_headers(response)
        else:
            response.headers["Expires"] = _now_http_date()
            response.headers["Cache-Control"] = NEVER_CACHE
        return response

    return wrapper
