"""DurableScript against a real Redis: one call or many, a script the server forgot, and a
script's own error."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from shared.durable import NO_WAIT, DurableScript
from shared.settings import Settings

COUNT = "return redis.call('INCR', KEYS[1])"


async def test_a_forgotten_script_is_loaded_again_for_one_call_or_many(
    redis_client: aioredis.Redis, settings: Settings
) -> None:
    key = f"{{{settings.key_prefix}}}:durable"
    script = DurableScript(redis_client, COUNT, NO_WAIT)
    assert await script([key], []) == 1
    await redis_client.script_flush()  # as after a restart of a Redis without persistence
    assert await script([key], []) == 2
    await redis_client.script_flush()
    assert await script.run_many([([key], []), ([key], [])]) == [3, 4]
    assert int(await redis_client.get(key)) == 4  # each call ran exactly once


@pytest.mark.parametrize("calls", [1, 2])
async def test_an_error_the_script_returns_is_raised(
    redis_client: aioredis.Redis, settings: Settings, calls: int
) -> None:
    script = DurableScript(redis_client, "return redis.error_reply('no such story')", NO_WAIT)
    with pytest.raises(ResponseError, match="no such story"):
        await script.run_many([([f"{{{settings.key_prefix}}}:x"], [])] * calls)


async def test_run_each_answers_a_failing_call_in_its_place_and_runs_its_neighbours(
    redis_client: aioredis.Redis, settings: Settings
) -> None:
    key = f"{{{settings.key_prefix}}}:durable"
    body = "if ARGV[1] == 'fail' then return redis.error_reply('refused') end " + COUNT
    script = DurableScript(redis_client, body, NO_WAIT)
    calls = [([key], ["ok"]), ([key], ["fail"]), ([key], ["ok"])]
    first = await script.run_each(calls)
    assert (first[0], first[2]) == (1, 2)
    assert isinstance(first[1], ResponseError)
    assert "refused" in str(first[1])
    await redis_client.script_flush()  # reloaded: the error is still answered in its place
    again = await script.run_each(calls)
    assert (again[0], again[2]) == (3, 4)
    assert isinstance(again[1], ResponseError)
