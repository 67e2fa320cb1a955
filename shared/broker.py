"""Connections and stream descriptions: the plain redis-py clients and the FastStream `RedisBroker`
that describes a service's streams, built from settings.

Both share the URL, credentials and TLS choice so a `rediss://` URL or an ACL user applies to
every connection a service makes.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import hiredis
import redis
import redis.asyncio as aioredis
from faststream.redis import RedisBroker, RedisClusterBroker, StreamSub
from pydantic import BaseModel
from redis.asyncio.connection import (
    AbstractConnection,
    Connection,
    SSLConnection,
    UnixDomainSocketConnection,
)
from redis.exceptions import DataError
from redis.typing import EncodableT

from shared.settings import Settings

# Every service talks to one Redis or to a Redis Cluster (NEWSDESK_REDIS_CLUSTER) through the
# same command methods; the few places that reach below them (packed scripts, raw stream
# reads) look at which one they were given.
RedisClient = aioredis.Redis | aioredis.RedisCluster


def _credentials(settings: Settings) -> dict[str, Any]:
    creds: dict[str, Any] = {}
    if settings.redis_username:
        creds["username"] = settings.redis_username
    if settings.redis_password is not None:
        creds["password"] = settings.redis_password.get_secret_value()
    return creds


def make_redis(settings: Settings, *, timeout_s: float = 5.0) -> RedisClient:
    """A client that fails fast while Redis is away instead of hanging a request; a cluster
    client (NEWSDESK_REDIS_CLUSTER) starting from the node the URL names."""
    if settings.redis_cluster:
        return aioredis.RedisCluster.from_url(
            settings.redis_url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s + 5,
            **_credentials(settings),
        )
    client: aioredis.Redis = aioredis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=timeout_s,
        socket_timeout=timeout_s + 5,
        health_check_interval=15,
        **_credentials(settings),
    )
    pool = client.connection_pool
    pool.connection_class = _PACKED_IN_C.get(pool.connection_class, pool.connection_class)
    return client


class _PacksInC:
    """redis-py's blocking connections pack a command with hiredis, in C; its asyncio ones
    in Python, ~0.6 us an argument. The story index's and ranking's scripts carry 30-60
    arguments per article (~35 us a call against ~6), and so does every service's publish.
    The bytes are the same; an argument redis-py refuses (None, a bool) is refused alike."""

    def pack_command(self, *args: EncodableT) -> list[bytes]:
        first = args[0]
        if isinstance(first, str):
            args = (*first.encode().split(), *args[1:])
        elif isinstance(first, bytes) and b" " in first:
            args = (*first.split(), *args[1:])
        packed = tuple(bytes(a) if isinstance(a, bytearray | memoryview) else a for a in args)
        try:
            # (hiredis's stub types the tuple as holding one item)
            return [hiredis.pack_command(cast(Any, packed))]
        except TypeError as exc:
            raise DataError(str(exc)) from None


class _Tcp(_PacksInC, Connection):
    pass


class _Tls(_PacksInC, SSLConnection):
    pass


class _Unix(_PacksInC, UnixDomainSocketConnection):
    pass


# The cluster client builds its nodes' connections itself and keeps packing in Python.
_PACKED_IN_C: dict[type[AbstractConnection], type[AbstractConnection]] = {
    Connection: _Tcp,
    SSLConnection: _Tls,
    UnixDomainSocketConnection: _Unix,
}


def _broker_logger() -> logging.Logger:
    """FastStream logs every message and task callback at INFO and resets the level it is
    given; a filter (which it cannot reset) keeps only warnings and errors, because each
    handler logs one canonical line of its own."""
    logger = logging.getLogger("faststream.broker")
    if not logger.filters:
        logger.addFilter(lambda record: record.levelno >= logging.WARNING)
    return logger


def make_broker(settings: Settings, **kwargs: Any) -> RedisBroker:
    """The broker the AsyncAPI document describes streams with (never started)."""
    kind = RedisClusterBroker if settings.redis_cluster else RedisBroker
    return kind(
        settings.redis_url,
        graceful_timeout=settings.shutdown_timeout_s,
        socket_connect_timeout=5.0,
        logger=_broker_logger(),
        **_credentials(settings),
        **kwargs,
    )


def make_sync_redis(
    settings: Settings, *, timeout_s: float = 5.0
) -> redis.Redis | redis.RedisCluster:
    """For libraries and worker threads that need a blocking client."""
    if settings.redis_cluster:
        return redis.RedisCluster.from_url(
            settings.redis_url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s + 5,
            **_credentials(settings),
        )
    client: redis.Redis = redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=timeout_s,
        socket_timeout=timeout_s + 5,
        **_credentials(settings),
    )
    return client


def document_consumer(
    broker: RedisBroker,
    *,
    stream: str,
    group: str,
    model: type[BaseModel],
    title: str,
    description: str,
) -> None:
    """Declares a consumer group in the broker's AsyncAPI document.

    The broker is never started: `shared.consumer.runner.StreamRunner` consumes (FastStream
    0.7's subscribers neither reclaim, nor read ahead, nor survive a lost group: see
    docs/CONSUMERS.md). The declaration only gives the document the channel and its payload schema.
    """

    async def documented(message: BaseModel) -> None:  # never called
        raise NotImplementedError

    documented.__annotations__["message"] = model
    broker.subscriber(
        stream=StreamSub(stream, group=group, consumer="documentation", batch=True),
        title=title,
        description=description,
    )(documented)
