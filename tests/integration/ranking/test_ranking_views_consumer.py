"""The views consumer group on a real Redis: poison to the dead-letter stream, what a dead
consumer left pending taken over and counted once, a lost group recreated, a stop that
finishes its work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
import pytest
import redis.asyncio as aioredis

from services.ranking.consumers.folding import FoldLoop
from services.ranking.consumers.views import ViewOutcomes, ViewsHandler
from services.ranking.domain.view_entries import View
from services.ranking.store.ranking_store import RankingStore
from shared.consumer.config import ConsumerConfig
from shared.consumer.handler import Batch, Failures
from shared.consumer.runner import StreamRunner
from shared.deadletter import DeadLetter, list_dead_letters
from shared.keys import Keys
from shared.metrics import ServiceMetrics
from tests.integration.ranking.conftest import GROUP, article
from tests.waiting import eventually


def views_config(keys: Keys, **overrides: object) -> ConsumerConfig:
    knobs: dict[str, object] = {
        "batch_size": 50, "block_ms": 100, "min_idle_ms": 300, "max_deliveries": 3,
        "readahead": 2, "inflight": 2,
    }  # fmt: skip
    knobs.update(overrides)
    return ConsumerConfig(
        stream=keys.views, group=GROUP, consumer="c1", service="ranking",
        **knobs,  # type: ignore[arg-type]
    )  # fmt: skip


@dataclass
class Views:
    """The views runner and the fold loop, started and stopped as the service does."""

    runner: StreamRunner[View]
    folds: FoldLoop

    async def start(self) -> None:
        await self.runner.start()
        await self.folds.start()

    async def stop(self) -> None:
        await self.runner.stop()
        await self.folds.stop()


def views_of(store: RankingStore, keys: Keys, handler: ViewsHandler, **overrides: object) -> Views:
    runner = StreamRunner(
        views_config(keys, **overrides), store.redis, ServiceMetrics("t"), handler
    )
    return Views(runner, FoldLoop(store, interval_s=0.1))


def handler_of(store: RankingStore, keys: Keys) -> ViewsHandler:
    return ViewsHandler(
        store, ViewOutcomes(ServiceMetrics("t")), stream=keys.views, group=GROUP,
        max_bytes=1 << 20,
    )  # fmt: skip


@pytest.fixture
async def consumer(store: RankingStore, keys: Keys) -> AsyncIterator[Views]:
    views = views_of(store, keys, handler_of(store, keys))
    yield views
    await views.stop()


async def add(redis: aioredis.Redis, keys: Keys, *payloads: bytes) -> list[bytes]:
    return [await redis.xadd(keys.views, {"__data__": p}) for p in payloads]


def view(article_id: str, n: int) -> bytes:
    return orjson.dumps({"event_id": f"v{n}", "article_id": article_id, "reader_id": f"r{n}"})


async def pending(redis: aioredis.Redis, keys: Keys) -> int:
    return int((await redis.xpending(keys.views, GROUP))["pending"])


async def total(store: RankingStore, article_id: str) -> int:
    stats = await store.article_stats(article_id, datetime.now(UTC))
    return int(stats["views"]) if stats else -1


async def test_poison_is_dead_lettered_with_its_reason_and_the_rest_counted(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys, consumer: Views
) -> None:
    await store.upsert_article(article("a1"))
    assert consumer.runner.health() == f"consumer of {keys.views} not running (not started)"
    await consumer.start()
    assert consumer.runner.health() is None
    await add(redis_client, keys, view("a1", 1), b"{oops", b'{"reader_id": "r"}', view("a1", 2))

    letters = await eventually(lambda: _letters_when(redis_client, keys, 2), timeout_s=10)
    await eventually(lambda: _total_is(store, "a1", 2))
    assert await pending(redis_client, keys) == 0
    assert letters[0].error.startswith("entry is not JSON: unexpected character")
    assert letters[1].error == "invalid article_id: Field required"
    assert {d.service for d in letters} == {"ranking"}
    assert letters[0].fields == {b"__data__": b"{oops"}


async def test_what_a_dead_consumer_left_pending_is_taken_over_and_counted_once(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys, consumer: Views
) -> None:
    await store.upsert_article(article("a1"))
    await consumer.runner.ensure_group()
    await add(redis_client, keys, *(view("a1", n) for n in range(5)))
    taken = await redis_client.xreadgroup(GROUP, "dead", {keys.views: ">"}, count=10)
    assert len(taken[0][1]) == 5  # read by a consumer that then died: all pending
    await consumer.start()
    await eventually(lambda: _pending_is(redis_client, keys, 0), timeout_s=10)
    await consumer.runner.reclaimer.reclaim(
        consumer.runner
    )  # nothing left to take: a second pass changes nothing
    assert await total(store, "a1") == 5


async def test_an_entry_delivered_too_often_is_dead_lettered_not_counted(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys, consumer: Views
) -> None:
    await store.upsert_article(article("a1"))
    await consumer.runner.ensure_group()
    (entry_id,) = await add(redis_client, keys, view("a1", 1))
    await redis_client.xreadgroup(GROUP, "dead", {keys.views: ">"})
    for _ in range(2):  # three deliveries in all (max_deliveries), each ended by a crash
        await redis_client.xclaim(keys.views, GROUP, "dead", 0, [entry_id])
    await consumer.start()
    (letter,) = await eventually(lambda: _letters_when(redis_client, keys, 1), timeout_s=10)
    assert letter.error == "not handled after 3 deliveries"
    assert letter.source_id == entry_id.decode()
    assert await pending(redis_client, keys) == 0
    assert await total(store, "a1") == 0


async def test_a_lost_group_is_recreated_and_consuming_resumes(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys, consumer: Views
) -> None:
    await store.upsert_article(article("a1"))
    await consumer.start()
    await redis_client.xgroup_destroy(keys.views, GROUP)  # e.g. Redis restarted without data

    async def group_back() -> bool:
        groups = await redis_client.xinfo_groups(keys.views)
        return any(g["name"].decode() == GROUP for g in groups)

    await eventually(group_back, timeout_s=10)
    await add(redis_client, keys, view("a1", 1), view("a1", 2))
    await eventually(lambda: _total_is(store, "a1", 2), timeout_s=10)
    assert consumer.runner.health() is None


async def test_stop_acks_and_folds_everything_it_read(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys, consumer: Views
) -> None:
    for n in range(5):
        await store.upsert_article(article(f"a{n}"))
    await consumer.runner.ensure_group()
    await add(redis_client, keys, *(view(f"a{n % 5}", n) for n in range(2000)))
    await consumer.start()
    await eventually(lambda: _read_some(redis_client, keys), timeout_s=10, interval_s=0.005)
    await consumer.stop()
    assert consumer.runner.health() == f"consumer of {keys.views} not running (stopped)"

    (group,) = await redis_client.xinfo_groups(keys.views)
    read = int(group["entries-read"])
    assert read > 0
    assert group["pending"] == 0
    assert [k async for k in redis_client.scan_iter(match=keys.ranking("pend", "*"))] == []
    in_lists = await redis_client.zrange(keys.ranking("all"), 0, -1, withscores=True)
    assert sum(score for _, score in in_lists) == read  # every read view is in the lists


async def _letters_when(redis: aioredis.Redis, keys: Keys, count: int) -> list[DeadLetter]:
    letters = await list_dead_letters(redis, keys.views)
    return letters if len(letters) >= count else []


async def _total_is(store: RankingStore, article_id: str, expected: int) -> bool:
    return await total(store, article_id) == expected


async def _pending_is(redis: aioredis.Redis, keys: Keys, expected: int) -> bool:
    return await pending(redis, keys) == expected


async def _read_some(redis: aioredis.Redis, keys: Keys) -> bool:
    groups = await redis.xinfo_groups(keys.views)
    return bool(groups and int(groups[0]["entries-read"] or 0) > 0)


class HeldViews(ViewsHandler):
    """Holds the first batch until `gate` opens, so the runner reads ahead behind it."""

    def __init__(self, store: RankingStore, keys: Keys) -> None:
        super().__init__(store, ViewOutcomes(ServiceMetrics("t")), stream=keys.views,
                         group=GROUP, max_bytes=1 << 20)  # fmt: skip
        self.gate, self.first_call = asyncio.Event(), asyncio.Event()

    async def handle(self, items: Sequence[View], batch: Batch) -> Failures:
        if not self.first_call.is_set():
            self.first_call.set()
            await self.gate.wait()  # holds the only slot: the loop reads ahead and waits
        return await super().handle(items, batch)


@pytest.mark.parametrize("readahead", [1, 2])
async def test_stop_counts_the_batches_read_ahead_too(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys, readahead: int
) -> None:
    """The next batches are read while one is counted; a stop then must count them, not
    strand them in this consumer's pending list until another one claims them."""
    await store.upsert_article(article("a1"))
    handler = HeldViews(store, keys)
    consumer = views_of(store, keys, handler, inflight=1, readahead=readahead)
    await consumer.runner.ensure_group()
    await add(redis_client, keys, *(view("a1", n) for n in range(300)))
    await consumer.start()
    await handler.first_call.wait()
    read = 50 * (2 + readahead)  # counted, waiting for the slot, and the reads ahead
    await eventually(lambda: _read_at_least(redis_client, keys, read), timeout_s=10)
    stopping = asyncio.create_task(consumer.stop())
    await asyncio.sleep(0.05)  # stop is under way before the held batch is let go
    handler.gate.set()
    await stopping

    (group,) = await redis_client.xinfo_groups(keys.views)
    assert int(group["entries-read"]) == read
    assert group["pending"] == 0
    assert await total(store, "a1") == read


async def _read_at_least(redis: aioredis.Redis, keys: Keys, count: int) -> bool:
    groups = await redis.xinfo_groups(keys.views)
    return bool(groups and int(groups[0]["entries-read"] or 0) >= count)
