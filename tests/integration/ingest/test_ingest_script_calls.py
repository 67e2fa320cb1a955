"""On a private redis-server (these tests reconfigure and pause it): large requests run as
many short script calls, and a write that went unanswered is reported as possibly written
and is safe to retry."""

from __future__ import annotations

import os
import re
import signal
import uuid

import pytest
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from newsdesk.redis_server import RedisProcess
from services.ingest.app import build_app
from services.ingest.publisher import (
    VIEWS_PER_CALL,
    OutcomeUnknownError,
    ViewPublisher,
)
from shared.keys import Keys
from shared.models import ViewEvent
from shared.settings import Settings
from tests.conftest import running
from tests.integration.ingest.test_ingest_api import article
from tests.waiting import eventually

_MORE = re.compile(rb"\.\.\. \((\d+) more arguments\)")


async def script_calls(redis: aioredis.Redis) -> list[int]:
    """The argument count of every EVALSHA the SLOWLOG holds (it keeps 32 and counts the
    rest); the commands the scripts ran are logged too, and skipped."""
    counts = []
    for _, _, _, args, *_ in await redis.execute_command("SLOWLOG", "GET", 100_000):
        if args[0].upper() != b"EVALSHA":
            continue
        more = _MORE.fullmatch(args[-1])
        counts.append(len(args) - 1 + int(more.group(1)) if more else len(args))
    return counts


async def test_the_largest_requests_run_as_short_script_calls(
    private_redis: RedisProcess, private: aioredis.Redis, settings: Settings
) -> None:
    """10,000 views and 1,000 articles (the per-request limits): no script call carries more
    than a chunk, so none holds Redis for longer than a few milliseconds."""
    await private.config_set("slowlog-log-slower-than", 0)
    await private.config_set("slowlog-max-len", 100_000)
    s = settings.model_copy(update={"redis_url": private_redis.url, "rate_limit_per_s": 0})
    async with running(build_app(s)) as http:
        views = await http.post("/v1/views", json=[{"article_id": "a"}] * 10_000)
        await private.slowlog_reset()
        articles = await http.post(
            "/v1/articles", json=[article(f"urn:big:{n}") for n in range(1000)]
        )
        article_calls = await script_calls(private)
    assert views.json() == {"accepted": 10_000, "duplicates": 0}
    assert await private.xlen(s.keys.views) == 10_000
    assert [r["status"] for r in articles.json()["results"]] == ["accepted"] * 1000
    assert len(article_calls) == 1000
    stats = await private.info("commandstats")
    assert stats["cmdstat_evalsha"]["calls"] >= 10_000 // VIEWS_PER_CALL + 1000
    # EVALSHA, sha, key count, 2 keys, 6 arguments: one article per call
    assert max(article_calls) == 11


async def test_view_chunks_are_bounded_in_the_slowlog(
    private_redis: RedisProcess, private: aioredis.Redis
) -> None:
    await private.config_set("slowlog-log-slower-than", 0)
    await private.config_set("slowlog-max-len", 100_000)
    keys = Keys(f"t{uuid.uuid4().hex[:8]}")
    publisher = ViewPublisher(private, keys, dedupe_window_s=60)
    views = [(ViewEvent(article_id="a", event_id=f"e{n}"), True) for n in range(1234)]
    await publisher.publish(views[:1], producer="p")  # loads the script (EVALSHA, NOSCRIPT)
    await private.slowlog_reset()
    assert await publisher.publish(views, producer="p", request="r.1") == (1233, 1)
    calls = await script_calls(private)
    assert len(calls) == -(-1234 // VIEWS_PER_CALL)
    # EVALSHA, sha, key count, 2 keys (stream, chunk marker), prefix, window, 2 per view
    assert max(calls) == 5 + 2 + 2 * VIEWS_PER_CALL


async def test_an_unanswered_write_is_unknown_and_its_retry_writes_nothing_twice(
    private_redis: RedisProcess, private: aioredis.Redis
) -> None:
    """Redis stalls (SIGSTOP) past the client's socket timeout: the chunk was sent, its answer
    never comes, and it runs once Redis goes on. The publisher says the outcome is unknown;
    the retry (same request) finds the chunk written and answers as the first would have."""
    keys = Keys(f"t{uuid.uuid4().hex[:8]}")
    impatient: aioredis.Redis = aioredis.Redis.from_url(private_redis.url, socket_timeout=0.3)
    impatient.set_retry(Retry(NoBackoff(), 0))  # as make_redis clients: no resends
    publisher = ViewPublisher(impatient, keys, dedupe_window_s=60)
    views = [(ViewEvent(article_id="a"), False) for _ in range(10)]
    await publisher.publish(views[:1], producer="p")  # connects and loads the script
    os.kill(private_redis.process.pid, signal.SIGSTOP)
    try:
        with pytest.raises(OutcomeUnknownError) as unknown:
            await publisher.publish(views, producer="p", request="key.digest")
    finally:
        os.kill(private_redis.process.pid, signal.SIGCONT)
    assert unknown.value.written == 0
    await eventually(lambda: _length_is(private, keys.views, 11))  # written after all
    assert await publisher.publish(views, producer="p", request="key.digest") == (10, 0)
    assert await private.xlen(keys.views) == 11
    await impatient.aclose()


async def _length_is(redis: aioredis.Redis, stream: str, length: int) -> bool:
    return bool(await redis.xlen(stream) == length)
