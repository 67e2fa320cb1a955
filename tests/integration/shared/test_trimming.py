"""Trimming removes what every group has finished with, and nothing else."""

from __future__ import annotations

import redis.asyncio as aioredis

from shared.settings import Settings
from shared.trimming import safe_trim_id, trim_stream


async def test_trim_keeps_pending_and_unread_entries(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    stream = f"{{{settings.key_prefix}}}:trim"
    await redis_client.xgroup_create(stream, "fast", id="0", mkstream=True)
    await redis_client.xgroup_create(stream, "slow", id="0")
    ids = [await redis_client.xadd(stream, {"n": str(n)}) for n in range(3000)]
    # "fast" read and acked everything; "slow" read 2000, acked all but entry 1500.
    fast = await redis_client.xreadgroup("fast", "c", {stream: ">"}, count=5000)
    await redis_client.xack(stream, "fast", *[i for i, _ in fast[0][1]])
    slow = await redis_client.xreadgroup("slow", "c", {stream: ">"}, count=2000)
    slow_ids = [i for i, _ in slow[0][1]]
    await redis_client.xack(stream, "slow", *[i for i in slow_ids if i != ids[1500]])

    assert await safe_trim_id(redis_client, stream) == ids[1500].decode()
    removed = await trim_stream(redis_client, stream, retention_ms=0)
    remaining = [i for i, _ in await redis_client.xrange(stream)]
    assert removed > 0
    assert ids[1500] in remaining  # still pending for "slow"
    assert remaining[-1] == ids[-1]  # unread by "slow"
    assert set(ids[1500:]) <= set(remaining)


async def test_retention_keeps_recent_history_and_groupless_streams_are_untouched(
    settings: Settings, redis_client: aioredis.Redis
) -> None:
    stream = f"{{{settings.key_prefix}}}:keep"
    for n in range(500):
        await redis_client.xadd(stream, {"n": str(n)})
    assert await trim_stream(redis_client, stream, retention_ms=0) == 0
    await redis_client.xgroup_create(stream, "g", id="$")
    assert await trim_stream(redis_client, stream, retention_ms=3_600_000) == 0
    assert await redis_client.xlen(stream) == 500
