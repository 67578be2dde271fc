"""Rate limits on shared cache counters, reusable by any flow (sign-in, one-time codes, decision look-up).

A limit is "at most `limit` events per `window_seconds` for one key within one scope". Counts use a sliding
window approximated from two fixed buckets (the current one, and the previous one weighted by how much of it
still lies inside the window), so a burst cannot double the limit across a bucket boundary.

The counters live in Django's default cache: in production that must be a cache shared by every worker
(CACHE_URL=redis://...), otherwise each process counts on its own. Keys are hashed, so no IP address or
identifier is ever written to the cache in clear.

    if not throttle.hit("lookup-ip", ip, limit=30, window_seconds=600):
        raise throttle.RateLimited(retry_after=600)

A `Backoff` is the other kind: a few free events, then each further one makes the next wait twice as long as the
one before (base, 2·base, 4·base … up to a cap), and the strikes are forgotten after a quiet period. Nobody is
shut out for a fixed hour; the wait is always known (`backoff_wait`) and can be shown to the person.
"""

import dataclasses
import hashlib
import math
import time

from django.core.cache import cache

from portal import proxies


class RateLimited(Exception):
    """A limit was reached. `retry_after` is a safe number of seconds to wait (for the Retry-After header)."""

    def __init__(self, *, scope: str = "", retry_after: int = 60) -> None:
        super().__init__(scope)
        self.scope = scope
        self.retry_after = retry_after


def _keys(scope: str, key: str, window_seconds: int, now: float) -> tuple[str, str, float]:
    if window_seconds <= 0:
        raise ValueError("window_seconds must be positive")
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:40]
    bucket = math.floor(now / window_seconds)
    elapsed = (now - bucket * window_seconds) / window_seconds
    base = f"throttle:{scope}:{window_seconds}:{digest}"
    return f"{base}:{bucket}", f"{base}:{bucket - 1}", elapsed


def _weighted(current: int, previous: int, elapsed: float) -> float:
    return current + previous * (1.0 - elapsed)


def count(scope: str, key: str, window_seconds: int, *, now: float | None = None) -> float:
    """How many events the window currently holds for this key (approximate, never below the true count in
    the current bucket)."""
    now = time.time() if now is None else now
    current_key, previous_key, elapsed = _keys(scope, key, window_seconds, now)
    values = cache.get_many([current_key, previous_key])
    return _weighted(int(values.get(current_key, 0)), int(values.get(previous_key, 0)), elapsed)


def hit(scope: str, key: str, limit: int, window_seconds: int, *, now: float | None = None) -> bool:
    """Count one event. True when it is within the limit (allowed); False when it exceeds it (refuse).

    Refused events are counted too, so hammering a limited key keeps it limited.
    """
    now = time.time() if now is None else now
    current_key, previous_key, elapsed = _keys(scope, key, window_seconds, now)
    # add + incr is atomic on Redis and memcached; two buckets must outlive the window.
    cache.add(current_key, 0, timeout=2 * window_seconds + 1)
    try:
        current = cache.incr(current_key)
    except ValueError:  # evicted between add and incr
        cache.set(current_key, 1, timeout=2 * window_seconds + 1)
        current = 1
    previous = int(cache.get(previous_key, 0))
    return _weighted(current, previous, elapsed) <= limit


def is_limited(scope: str, key: str, limit: int, window_seconds: int, *, now: float | None = None) -> bool:
    """True when the limit is reached: the next `hit` for this key would be refused. Counts nothing."""
    return count(scope, key, window_seconds, now=now) >= limit


def reset(scope: str, key: str, window_seconds: int, *, now: float | None = None) -> None:
    """Forget the events of this key (e.g. failures, after a successful sign-in)."""
    now = time.time() if now is None else now
    current_key, previous_key, _ = _keys(scope, key, window_seconds, now)
    cache.delete_many([current_key, previous_key])


@dataclasses.dataclass(frozen=True)
class Backoff:
    """`free` events per key are allowed at once; after that each event makes the next one wait
    base_seconds · 2^k (k = 0, 1, 2 …), at most cap_seconds. Strikes are forgotten after `memory_seconds`
    without any event for the key."""

    scope: str
    free: int
    base_seconds: int
    cap_seconds: int
    memory_seconds: int = 3600

    def delay_after(self, strikes: int) -> int:
        """The wait that the `strikes`-th counted event imposes on the next one (0 while still free)."""
        if strikes <= self.free:
            return 0
        exponent = min(strikes - self.free - 1, 30)
        return int(min(self.cap_seconds, self.base_seconds * 2**exponent))


def _backoff_keys(backoff: Backoff, key: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{backoff.scope}\x00{key}".encode()).hexdigest()[:40]
    base = f"backoff:{backoff.scope}:{digest}"
    return f"{base}:strikes", f"{base}:gate"


def backoff_wait(backoff: Backoff, key: str, *, now: float | None = None) -> int:
    """Seconds until the next event for this key is allowed; 0 when it is allowed now. Counts nothing."""
    now = time.time() if now is None else now
    _, gate_key = _backoff_keys(backoff, key)
    until = cache.get(gate_key)
    if until is None or float(until) <= now:
        return 0
    return max(1, math.ceil(float(until) - now))


def backoff_strike(backoff: Backoff, key: str, *, now: float | None = None) -> int:
    """Count one event for this key; returns the wait it imposes on the next event (0 while still free).

    The counter is an atomic add + incr, so concurrent events each get their own strike number. Two requests
    arriving in the same instant may both pass an open gate (checking and striking are two steps); each is
    still counted, so the wait after them is longer still.
    """
    now = time.time() if now is None else now
    strikes_key, gate_key = _backoff_keys(backoff, key)
    cache.add(strikes_key, 0, timeout=backoff.memory_seconds)
    try:
        strikes = cache.incr(strikes_key)
    except ValueError:  # evicted between add and incr
        cache.set(strikes_key, 1, timeout=backoff.memory_seconds)
        strikes = 1
    cache.touch(strikes_key, backoff.memory_seconds)  # forgotten only after a quiet period
    delay = backoff.delay_after(strikes)
    if delay:
        # The deadline is the value (so an injected clock works); the timeout only cleans up.
        cache.set(gate_key, now + delay, timeout=max(backoff.memory_seconds, delay + 60))
    return delay


def backoff_reset(backoff: Backoff, key: str) -> None:
    """Forget this key's strikes and open its gate (e.g. after a successful sign-in)."""
    cache.delete_many(list(_backoff_keys(backoff, key)))


def client_ip(request: object) -> str:
    """The client address used as a throttle key, from this one place: REMOTE_ADDR, or, when REMOTE_ADDR is
    one of TRUSTED_PROXIES, the right-most address in X-Forwarded-For that is not a trusted proxy (see
    portal/proxies.py). An X-Forwarded-For from anyone else is the client's own words and ignored."""
    meta = getattr(request, "META", {})
    return proxies.client_address(meta)
