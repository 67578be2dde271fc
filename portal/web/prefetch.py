"""Cache entries a view needs, read in the same round trip as the signed-in user, before anything else asks.

A view declares the entries with `@cache_prefetch(keys_for)`, where `keys_for(request, **url_kwargs)` names
them. `CachePrefetchMiddleware`, placed right after AuthenticationMiddleware, reads them together with the
user's cache entry (portal.accounts.backends.get_many_with_user) in its process_view, which runs before the
other middleware's process_view resolves the user (the login-required, session timeout and second-factor
checks do, on every request; none of them reads the user before). The view then calls
`prefetched(request, keys)`, which returns what the middleware read, or reads it itself when the middleware did
not run (a test calling the view directly, or the keys changed, e.g. the day turned in between).

Requests without a session cookie are passed through untouched: they have no user to share a round trip with.

Which user entry to read before the session is known comes from a hint cookie holding the entry's opaque name,
which this middleware keeps in step with who is signed in (set once the user is known, cleared after sign-out).
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin
from django.utils.functional import SimpleLazyObject

from portal.accounts.backends import USER_HINT_COOKIE, get_many_with_user, user_cache_token
from portal.accounts.models import User

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


class CachePrefetchMiddleware(MiddlewareMixin):
    """Placed right after AuthenticationMiddleware; its process_view runs before any other middleware's (the
    login-required, session timeout and second-factor checks all read the user there)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        _keep_user_hint(request, response)
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        keys_for = getattr(view, _ATTRIBUTE, None)
        if keys_for is not None and settings.SESSION_COOKIE_NAME in request.COOKIES:
            keys = tuple(keys_for(request, *args, **kwargs))
            if keys:
                request._cache_prefetched = (keys, get_many_with_user(request, keys))  # type: ignore[attr-defined]


def _keep_user_hint(request: HttpRequest, response: HttpResponse) -> None:
    """Keep the browser's hint to its user's cache entry (backends.USER_HINT_COOKIE) in step with who is signed
    in, once a request has found that out anyway; a request that never resolved its user changes nothing."""
    if "user" not in request.__dict__:
        return
    user = request.user
    if isinstance(user, SimpleLazyObject) and not hasattr(request, "_cached_user"):
        return  # never resolved
    if not isinstance(user, User | AnonymousUser):
        return  # not a session's user (the agency API sets its own principal, or None)
    want = user_cache_token(user.pk) if user.is_authenticated else None
    have = request.COOKIES.get(USER_HINT_COOKIE)
    if want == have:
        return
    if want is not None:
        response.set_cookie(
            USER_HINT_COOKIE,
            want,
            max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    elif have is not None:
        response.delete_cookie(USER_HINT_COOKIE, samesite="Lax")
