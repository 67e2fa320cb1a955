"""The Lua side of what Python owns, and the slot every script's keys must share."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from services.ranking.domain import windows as win
from services.ranking.store.scripts import SHARDS, RankingScripts, lua_constants
from shared.keys import Keys


async def test_the_lua_constants_are_the_python_ones(redis_client: aioredis.Redis) -> None:
    probe = lua_constants() + (
        "\nlocal specs = {}"
        "\nfor _, name in ipairs(ROLLING) do"
        "\n  for level, s in pairs(SPECS) do"
        "\n    if s.name == name then"
        "\n      local row = {name, level, s.span, s.bucket_s, s.grace_s}"
        "\n      specs[#specs + 1] = table.concat(row, ',')"
        "\n    end"
        "\n  end"
        "\nend"
        "\nreturn {SHARDS, table.concat(specs, ';'),"
        "\n        WEEK_EPOCH_SHIFT, WEEK_KEEP_DAYS, DAY_S}"
    )
    shards, specs, shift, keep, day_s = await redis_client.eval(probe, 0)
    assert shards == SHARDS
    expected = ";".join(
        f"{w.name},{w.level.value},{w.span},{w.bucket_s},{w.grace_s}" for w in win.ROLLING.values()
    )
    assert specs.decode() == expected
    assert (shift, keep, day_s) == (win.WEEK_EPOCH_SHIFT, win.WEEK_KEEP_DAYS, win.DAY_S)


async def test_a_stream_outside_the_prefix_slot_is_refused(
    redis_client: aioredis.Redis, keys: Keys
) -> None:
    """Counting routes by the views stream (KEYS[1]) and builds its counters from P: were
    they of two shards, a cluster node would refuse the counters halfway through the
    script, after acking. The prelude refuses such a call before anything is written."""
    scripts = RankingScripts(redis_client, keys.ranking() + ":")
    empty_batch = ["ranking", 1_717_545_600, 0, "", 0, 3600, 10, 0, 0]
    with pytest.raises(ResponseError, match="not in the slot of"):
        await scripts.count("{elsewhere}:views", empty_batch)
    assert await scripts.count(keys.views, empty_batch) == [0, 0, 0, 0, 0, 0]
