"""The session engine: Django's cached_db sessions, whose cache entry may be read together with other entries.

`portal.accounts.backends.get_many_with_user` reads the session's cache entry in the same round trip as the
signed-in user and the entries a page needs, then hands it to the session with `provide`. Loading then uses
that entry instead of asking the cache again; when there was none (evicted, expired), it loads exactly as
cached_db always does (the database, then the cache is refilled). Everything else is Django's.
"""

from typing import Any

from django.contrib.sessions.backends import cached_db

_NOTHING = object()


class SessionStore(cached_db.SessionStore):
    _provided: Any = _NOTHING

    @property
    def loaded(self) -> bool:
        return hasattr(self, "_session_cache")

    def prefetch_key(self) -> str | None:
        """The cache key of this session's entry, or None when there is nothing to read (no valid key yet)."""
        return None if self.session_key is None else self.cache_key_prefix + self.session_key

    def provide(self, data: Any) -> None:
        """The session's cache entry, read by someone else just now (None: there was none)."""
        self._provided = data

    def load(self) -> dict[str, Any]:
        data, self._provided = self._provided, _NOTHING
        if isinstance(data, dict):
            return data
        return super().load()
