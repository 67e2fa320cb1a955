"""The pipeline bench counts the forks of its Redis (AOF rewrites) in a paced phase, since
a rewrite's CPU on 2 shared cores shows in the phase's worst latencies."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from bench.pipeline import report
from bench.pipeline.observe import redis_forks


async def test_an_aof_rewrite_is_counted_and_reported(private: aioredis.Redis) -> None:
    await private.set("k", "v")
    before = await redis_forks(private)
    await private.bgrewriteaof()
    for _ in range(200):
        if (await private.info("persistence"))["aof_rewrite_in_progress"] == 0:
            break
        await asyncio.sleep(0.05)
    after = await redis_forks(private)
    assert after["forks"] == before["forks"] + 1
    assert after["fork_usec"] > 0
    phase = {"redis_forks": after["forks"] - before["forks"], "redis_last_fork_ms": 2.5}
    (line,) = report._fork_line(phase)
    assert line.startswith("  Redis forked 1 time(s) for an AOF rewrite")
    assert "held it 2.5 ms" in line
    assert report._fork_line({"redis_forks": 0}) == [
        "  Redis did not fork (no AOF rewrite) during the phase"
    ]
    assert report._fork_line({}) == []  # a result written before forks were counted
