"""The reusable rate limiter: counts per scope and key, slides with time, never stores the key in clear."""

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from portal.accounts import throttle

T0 = 1_800_000_000.0  # a fixed instant, inside one 60-second bucket


def test_hits_within_the_limit_are_allowed_and_the_next_is_refused() -> None:
    allowed = [throttle.hit("t", "k", 3, 60, now=T0 + i) for i in range(4)]

    assert allowed == [True, True, True, False]


def test_is_limited_reports_a_reached_limit_without_counting() -> None:
    for _ in range(3):
        assert not throttle.is_limited("t", "k", 3, 60, now=T0)
        throttle.hit("t", "k", 3, 60, now=T0)

    assert throttle.is_limited("t", "k", 3, 60, now=T0)
    assert throttle.count("t", "k", 60, now=T0) == 3


def test_scopes_and_keys_are_counted_separately() -> None:
    for _ in range(3):
        throttle.hit("a", "k", 3, 60, now=T0)

    assert throttle.is_limited("a", "k", 3, 60, now=T0)
    assert not throttle.is_limited("b", "k", 3, 60, now=T0)
    assert not throttle.is_limited("a", "other", 3, 60, now=T0)


def test_the_window_slides_so_a_burst_at_a_bucket_boundary_is_still_limited() -> None:
    boundary = (T0 // 60 + 1) * 60
    for _ in range(3):
        throttle.hit("t", "k", 3, 60, now=boundary - 1)

    # One second later, in the next bucket: the previous bucket still weighs almost fully.
    assert not throttle.hit("t", "k", 3, 60, now=boundary + 1)


def test_a_key_is_free_again_after_two_windows() -> None:
    for _ in range(4):
        throttle.hit("t", "k", 3, 60, now=T0)

    assert throttle.is_limited("t", "k", 3, 60, now=T0 + 30)
    assert not throttle.is_limited("t", "k", 3, 60, now=T0 + 121)
    assert throttle.hit("t", "k", 3, 60, now=T0 + 121)


def test_reset_forgets_the_events_of_a_key() -> None:
    for _ in range(3):
        throttle.hit("t", "k", 3, 60, now=T0)

    throttle.reset("t", "k", 60, now=T0)

    assert not throttle.is_limited("t", "k", 3, 60, now=T0)


def stored_keys() -> list[str]:
    """Every key the test cache holds (local memory or this test process's Redis keys)."""
    if isinstance(caches["default"], RedisCache):
        config = settings.CACHES["default"]
        client = redis.Redis.from_url(config["LOCATION"])
        try:
            return [k.decode() for k in client.scan_iter(match=f"{config['KEY_PREFIX']}:*")]
        finally:
            client.close()
    return [str(k) for k in getattr(cache, "_cache", {})]


def test_the_cache_never_holds_the_key_in_clear() -> None:
    throttle.hit("sign-in-ip", "203.0.113.77", 3, 60)

    keys = " ".join(stored_keys())
    assert "throttle:sign-in-ip" in keys
    assert "203.0.113.77" not in keys


def test_client_ip_is_remote_addr_and_ignores_forwarded_headers() -> None:
    class Request:
        META = {"REMOTE_ADDR": "198.51.100.1", "HTTP_X_FORWARDED_FOR": "10.0.0.1"}

    assert throttle.client_ip(Request()) == "198.51.100.1"


def test_a_backoff_lets_the_free_events_through_then_doubles_the_wait_up_to_the_cap() -> None:
    backoff = throttle.Backoff("test-backoff", free=2, base_seconds=60, cap_seconds=300)
    now = 1_000_000.0
    imposed = []
    for _ in range(7):
        assert throttle.backoff_wait(backoff, "k", now=now) == 0
        imposed.append(throttle.backoff_strike(backoff, "k", now=now))
        now += imposed[-1]

    assert imposed == [0, 0, 60, 120, 240, 300, 300]
    throttle.backoff_strike(backoff, "k", now=now)
    assert throttle.backoff_wait(backoff, "k", now=now + 1) == 299
    assert throttle.backoff_wait(backoff, "other", now=now) == 0
    throttle.backoff_reset(backoff, "k")
    assert throttle.backoff_wait(backoff, "k", now=now) == 0
