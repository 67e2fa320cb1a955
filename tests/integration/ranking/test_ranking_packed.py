"""EVALSHA packed by hiredis: the same replies as redis-py's own call, a script the server
forgot loaded again, and a connection that stays usable after an error reply."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from services.ranking.store.packed import PackedScript

ECHO = "return {KEYS[1], #ARGV, ARGV[1], ARGV[#ARGV]}"


async def test_arguments_arrive_as_redis_py_would_send_them(
    redis_client: aioredis.Redis, prefix: str
) -> None:
    script = PackedScript(redis_client, ECHO)
    args = [b"\x00\xffbytes", "str", 7, 2.5, *range(5000)]
    got = await script([f"{prefix}:k"], args)
    expected = await redis_client.register_script(ECHO)(keys=[f"{prefix}:k"], args=args)
    assert got == expected == [f"{prefix}:k".encode(), 5004, b"\x00\xffbytes", b"4999"]


async def test_a_flushed_script_is_loaded_again(redis_client: aioredis.Redis) -> None:
    script = PackedScript(redis_client, "return ARGV[1] .. '!'")
    assert await script([], ["a"]) == b"a!"
    await redis_client.script_flush()
    assert await script([], ["b"]) == b"b!"


async def test_an_error_reply_raises_and_leaves_the_client_working(
    redis_client: aioredis.Redis,
) -> None:
    script = PackedScript(redis_client, "return redis.error_reply('ERR refused ' .. ARGV[1])")
    for _ in range(3):  # more times than connections it could have spoiled
        with pytest.raises(ResponseError, match="refused x"):
            await script([], ["x"])
    assert await redis_client.ping()
