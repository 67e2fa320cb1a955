"""The pipeline bench counts the forks of its Redis (AOF rewrites) in a paced phase, and when
each ran, since a rewrite's CPU on 2 shared cores shows in the phase's worst latencies."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from bench.pipeline import report
from bench.pipeline.observe import redis_forks, rewrite_windows
from tests.waiting import eventually


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


async def test_the_paced_phase_learns_when_each_rewrite_ran(private: aioredis.Redis) -> None:
    """The windows split the phase's latencies, so they must bracket the rewrite Redis ran:
    slowed to ~0.1 s a key (`rdb-key-save-delay`, Redis's own knob for this), it lasts
    ~0.5 s, long enough to be seen by polling."""
    for n in range(5):
        await private.set(f"k{n}", "v")
    await private.config_set("rdb-key-save-delay", 100_000)
    stop = asyncio.Event()
    watch = asyncio.create_task(rewrite_windows(private, stop, every_s=0.01))
    await asyncio.sleep(0.05)
    asked = time.time()
    await private.bgrewriteaof()
    await eventually(lambda: _rewrite_over(private), timeout_s=20, interval_s=0.02)
    over = time.time()
    await asyncio.sleep(0.05)
    stop.set()
    (window,) = await watch
    start, end = window
    assert asked - 0.02 <= start < end <= over + 0.02
    assert end - start >= 0.3


async def _rewrite_over(client: aioredis.Redis) -> bool:
    return int((await client.info("persistence"))["aof_rewrite_in_progress"]) == 0
