"""The authentication backend: Django's ModelBackend, with the signed-in user read from the cache.

Every signed-in request loads its user. Through the ORM that is a query compiled and run each time (~0.3 ms of
CPU); from the cache it is one GET of a few fields. What is cached is deliberately not the whole row: no
password hash, no sealed TOTP secret, no encrypted IIN. Those fields stay deferred and load from the database
if anything reads them. The session check needs only the session authentication hash (an HMAC of the password
hash), so that is cached in place of the password.

Freshness: the entry is deleted whenever the user is saved or deleted (signals wired in AccountsConfig.ready),
and expires after USER_CACHE_SECONDS in any case, which bounds staleness after a change that bypasses model
signals (QuerySet.update, raw SQL): code that changes users that way must call `forget_user`.
"""

import functools
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import router
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject

from .models import User
from .sessions import SessionStore

# The fields a page needs to know who is signed in and what they may do.
_WANTED = {
    "id",
    "username",
    "role",
    "organisation_id",
    "full_name",
    "iin_hash",
    "phone",
    "preferred_language",
    "is_active",
    "is_staff",
    "is_superuser",
    "first_name",
    "last_name",
    "email",
    "last_login",
    "date_joined",
}
# In the model's column order: Model.from_db pairs values with fields in that order.
CACHED_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname in _WANTED)
_VERSION = 2
# The browser keeps the opaque name of its user's cache entry in this cookie (set and cleared by
# portal.web.prefetch.CachePrefetchMiddleware), so that a page can read the session, the user and its own
# entries in one round trip. It is only a hint: the user is always the one the session names (see
# get_many_with_user), so a stale or forged value costs one extra read and nothing else.
USER_HINT_COOKIE = "portal_uc"
_TOKEN_LENGTH = 24


def user_cache_token(user_id: Any) -> str:
    """The opaque name of a user's cache entry (no database id in a cookie)."""
    return _token(str(user_id), settings.SECRET_KEY)


@functools.lru_cache(maxsize=4096)
def _token(user_id: str, secret: str) -> str:
    """Kept per process: a pure function of the id and the secret, and every signed-in request needs it."""
    return salted_hmac("portal.accounts.user-cache", user_id, secret=secret, algorithm="sha256").hexdigest()[
        :_TOKEN_LENGTH
    ]


def _key(user_id: Any) -> str:
    return _token_key(user_cache_token(user_id))


def _token_key(token: str) -> str:
    return f"auth-user:v{_VERSION}:{token}"


def _ttl() -> int:
    return int(getattr(settings, "USER_CACHE_SECONDS", 300))


def forget_user(user_id: Any) -> None:
    # Also the key format of the previous release (auth-user:v1:<id>), while a rolling deploy still runs it.
    cache.delete_many([_key(user_id), f"auth-user:v1:{user_id}"])


# Entries read by get_many_with_user for the request being resolved; get_user takes its user from here.
_prefetched: ContextVar[dict[str, Any] | None] = ContextVar("auth_user_prefetched", default=None)


def get_many_with_user(request: HttpRequest, keys: Iterable[str]) -> dict[str, Any]:
    """`cache.get_many(keys)`, with the session and the signed-in user's entries read in the same round trip.

    The session entry is handed to the session (portal.accounts.sessions), and the user is then resolved at
    once through Django's own `auth.get_user` (backend check, session hash verification), exactly as on any
    request: only the cache reads are shared. Which user entry to read comes from the session when it is
    already loaded, else from the browser's hint cookie; get_user uses the entry only if it is the entry of
    the user the session names. A page that needs a few cache entries pays one round trip instead of three.
    """
    wanted = list(keys)
    session = getattr(request, "session", None)
    session_key = None
    if isinstance(session, SessionStore) and not session.loaded:
        session_key = session.prefetch_key()
    user_key = None
    if _ttl() > 0 and not hasattr(request, "_cached_user"):
        if session_key is None and session is not None:
            try:
                user_key = _key(User._meta.pk.to_python(session[SESSION_KEY]))
            except (KeyError, ValidationError):
                user_key = None
        else:
            hint = request.COOKIES.get(USER_HINT_COOKIE, "")
            if len(hint) == _TOKEN_LENGTH and hint.isalnum():
                user_key = _token_key(hint)
    extra = [k for k in (session_key, user_key) if k is not None and k not in wanted]
    try:
        found = cache.get_many([*wanted, *extra])
    except Exception:
        # A key from a cookie the cache refuses (cached_db guards its own read the same way, Django #17810):
        # read what the page needs; the session and the user then load as usual.
        found, session_key, user_key = cache.get_many(wanted), None, None
    if session_key is not None and isinstance(session, SessionStore):
        session.provide(found.pop(session_key, None))
    if user_key is not None:
        token = _prefetched.set({user_key: found.pop(user_key, None)})
        try:
            request.user.is_authenticated  # noqa: B018  (resolves the lazy user now, from the entries just read)
        finally:
            _prefetched.reset(token)
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and hasattr(request, "_cached_user"):
        # Resolved: the rest of the request reads the user itself, not through the lazy wrapper (each attribute
        # read through it raises and catches an AttributeError; a page reads the user a few dozen times).
        request.user = request._cached_user  # type: ignore[attr-defined]
    return found


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        if _ttl() <= 0:
            return super().get_user(user_id)
        key = _key(user_id)
        prefetched = _prefetched.get()
        entry = prefetched[key] if prefetched is not None and key in prefetched else cache.get(key)
        if entry is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            values = tuple(getattr(user, f) for f in CACHED_FIELDS)
            cache.set(key, (values, user.get_session_auth_hash()), _ttl())
            return user
        values, session_hash = entry
        user = User.from_db(router.db_for_read(User), list(CACHED_FIELDS), list(values))
        user._cached_session_auth_hash = session_hash  # type: ignore[attr-defined]
        return user if self.user_can_authenticate(user) else None
