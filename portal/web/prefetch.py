"""Cache entries a view needs, read in the same round trip as the signed-in user, before anything else asks.

A view declares the entries with `@cache_prefetch(keys_for)`, where `keys_for(request, **url_kwargs)` names
them. `CachePrefetchMiddleware`, placed right after AuthenticationMiddleware, reads them together with the
user's cache entry (portal.accounts.backends.get_many_with_user) before the later middleware resolves the user
(the session timeout and second-factor checks do, on every request). The view then calls
`prefetched(request, keys)`, which returns what the middleware read, or reads it itself when the middleware did
not run (a test calling the view directly, or the keys changed, e.g. the day turned in between).

Requests without a session cookie are passed through untouched: they have no user to share a round trip with.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from portal.accounts.backends import get_many_with_user

KeysFor = Callable[..., Sequence[str]]
View = TypeVar("View", bound=Callable[..., Any])

_ATTRIBUTE = "cache_prefetch"


def cache_prefetch(keys_for: KeysFor) -> Callable[[View], View]:
    """Declare the cache entries a view reads; apply it outermost, so that the attribute is on the URL's view."""

    def decorate(view: View) -> View:
        setattr(view, _ATTRIBUTE, keys_for)
        return view

    return decorate


def prefetched(request: HttpRequest, keys: Sequence[str]) -> dict[str, Any]:
    """The entries for `keys`: as the middleware read them, or read now (with the user, if not yet resolved)."""
    done = getattr(request, "_cache_prefetched", None)
    if done is not None and done[0] == tuple(keys):
        return dict(done[1])
    return get_many_with_user(request, keys)


class CachePrefetchMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            keys_for = getattr(match.func, _ATTRIBUTE, None) if match is not None else None
            if keys_for is not None:
                keys = tuple(keys_for(request, *match.args, **match.kwargs))  # type: ignore[union-attr]
                if keys:
                    request._cache_prefetched = (keys, get_many_with_user(request, keys))  # type: ignore[attr-defined]
        return self.get_response(request)
