"""Django's Redis cache with one `redis.Redis` client per connection pool, built once, and a serializer that
reads a pickle without first trying it as an integer.

Django's `RedisCacheClient.get_client` constructs a new `redis.Redis` for every cache call. The connection
pool is shared, so this is correct, but each construction rebuilds redis-py's table of ~170 response
callbacks: about 0.15 ms per call, paid two or three times on every signed-in page (session, page fragments).
The client object is thread-safe (it takes a connection from the pool per command), so one per pool suffices.

Django's serializer stores integers as they are (so that incr/decr work) and everything else pickled, and
reads every value by trying `int()` first: for a pickle that raises, catches and formats a ValueError, a few
microseconds per value and four values on every signed-in page. A pickle of protocol 2 or later (Django uses
the highest) starts with the PROTO opcode, byte 0x80, which no integer's digits do.
"""

import pickle  # noqa: TID251  (the cache's own values, exactly what Django's serializer unpickles)
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.core.cache.backends.redis import RedisSerializer as DjangoRedisSerializer


class RedisSerializer(DjangoRedisSerializer):
    def loads(self, data: Any) -> Any:
        if data[:1] == b"\x80":
            return pickle.loads(data)  # noqa: S301  (our own cache, as Django's serializer)
        return super().loads(data)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", RedisSerializer)
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        base: Any = self  # Django's private attributes, not in django-stubs
        index = base._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in base._pools:
                base._pools[index] = base._pool_class.from_url(base._servers[index], **base._pool_options)
            client = self._clients.setdefault(index, base._client(connection_pool=base._pools[index]))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
