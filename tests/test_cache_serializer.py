"""portal/cache.py's serializer reads what Django's writes: integers as digits, everything else as a pickle."""

from typing import Any

import pytest
from django.core.cache.backends.redis import RedisSerializer as DjangoRedisSerializer

from portal.cache import RedisSerializer

VALUES: list[Any] = [
    0,
    -17,
    2**70,
    True,
    1.5,
    "",
    "Қазақ",
    b"\x80 raw bytes that look like a pickle",
    ("epoch", "hash", "title", "Қ".encode() * 20_000),
    {"k": [1, 2, None]},
    None,
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_it_reads_back_what_djangos_serializer_wrote(value: Any) -> None:
    stored = DjangoRedisSerializer().dumps(value)
    as_redis_returns_it = stored if isinstance(stored, bytes) else str(stored).encode()

    assert RedisSerializer().loads(as_redis_returns_it) == value
    assert type(RedisSerializer().loads(as_redis_returns_it)) is type(value)


def test_older_pickles_and_counters_still_read() -> None:
    assert RedisSerializer().loads(DjangoRedisSerializer(protocol=0).dumps({"a": 1})) == {"a": 1}
    assert RedisSerializer().loads(b"42") == 42  # what INCR leaves


def test_the_portal_cache_uses_it_and_counters_still_work(settings: Any, redis_broker: str) -> None:
    from django.core.cache import caches

    settings.CACHES = {
        **settings.CACHES,
        "serializer-test": {
            "BACKEND": "portal.cache.RedisCache",
            "LOCATION": redis_broker,
            "KEY_PREFIX": "serializer-test",
        },
    }
    cache = caches["serializer-test"]
    cache.set("serializer-test:n", 5)
    cache.incr("serializer-test:n")
    cache.set("serializer-test:page", ("e", "Қазақ".encode()))

    assert isinstance(cache._cache._serializer, RedisSerializer)
    assert cache.get("serializer-test:n") == 6
    assert cache.get("serializer-test:page") == ("e", "Қазақ".encode())
    cache.delete_many(["serializer-test:n", "serializer-test:page"])


def test_a_pickle_is_read_without_asking_djangos_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    stored = DjangoRedisSerializer().dumps(("e", b"body"))

    def refuse(self: Any, data: Any) -> Any:
        raise AssertionError("went through int() first")

    monkeypatch.setattr(DjangoRedisSerializer, "loads", refuse)

    assert RedisSerializer().loads(stored) == ("e", b"body")
