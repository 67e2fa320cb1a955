"""EVALSHA whose arguments are packed by hiredis in C, for scripts with thousands of them.

redis-py's asyncio client encodes every argument in Python (~1.2 µs each: with two per view
it was the largest single cost of counting). `hiredis.pack_command` builds the same RESP
bytes in C; the command then goes over a connection of the client's own pool, so pool size,
timeouts and reconnects stay redis-py's. A script the server forgot (NOSCRIPT after a
restart or SCRIPT FLUSH) is loaded again and the call repeated, as redis-py's Script does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import hiredis
import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, ResponseError

from shared.broker import RedisClient

Arg = bytes | str | int | float


class PackedScript:
    """A Lua script run with EVALSHA; `await script(keys, args)` returns the raw reply."""

    def __init__(self, redis: RedisClient, body: str) -> None:
        self.redis = redis
        self.body = body
        self.sha = hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()  # as Redis

    async def __call__(self, keys: Sequence[Arg], args: Sequence[Arg]) -> Any:
        if isinstance(self.redis, aioredis.RedisCluster):
            return await self._on_cluster(self.redis, keys, args)
        command = (b"EVALSHA", self.sha, len(keys), *keys, *args)
        packed = hiredis.pack_command(command)  # type: ignore[arg-type]  # stub: 1-tuple
        try:
            return await self._send(packed)
        except NoScriptError:
            await self.redis.script_load(self.body)
            return await self._send(packed)

    async def _on_cluster(
        self, cluster: aioredis.RedisCluster, keys: Sequence[Arg], args: Sequence[Arg]
    ) -> Any:
        """A cluster client routes by KEYS[1] and follows MOVED after a failover, which a
        connection taken from one node's pool would not: redis-py encodes the arguments."""
        try:
            return await cluster.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            await cluster.script_load(self.body)
            return await cluster.evalsha(self.sha, len(keys), *keys, *args)

    async def _send(self, packed: bytes) -> Any:
        assert isinstance(self.redis, aioredis.Redis)
        pool = self.redis.connection_pool
        conn = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            await conn.send_packed_command(packed, check_health=False)
            return await conn.read_response()
        except ResponseError:
            raise  # an error reply: the connection is in step and goes back to the pool
        except BaseException:
            # Cut off mid-command (cancelled, timed out, connection lost): the reply may
            # still come, so this connection must not serve anyone else.
            await conn.disconnect(nowait=True)
            raise
        finally:
            await pool.release(conn)
