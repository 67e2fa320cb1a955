"""Cached lists, stale-while-revalidate: a fresh entry is served, a stale one is served at once
and refreshed in the background (one refresh per entry at a time), one past `cache_stale_s`
is computed inline; article metadata and kills still show at once. The clock is fixed: every
call gets its `now`, so "later" is a `now` further on, never a sleep."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from services.ranking.domain.results import RankedItem
from services.ranking.domain.windows import Now
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from shared.keys import Keys
from tests.integration.ranking.conftest import GROUP, NOW, Feed, article, view

PARAMS = RankingParams(repeat_filter_bits_log2=16)
FRESH = NOW + timedelta(seconds=PARAMS.cache_ttl_s - 1)
STALE = NOW + timedelta(seconds=PARAMS.cache_ttl_s)
TOO_OLD = NOW + timedelta(seconds=PARAMS.cache_stale_s)


class GatedStore(RankingStore):
    """The real store, whose background refreshes are counted and wait for `gate`, so a test
    decides when a refresh may run and sees how many run at once."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        super().__init__(redis, keys, PARAMS)
        self.gate = asyncio.Event()
        self.gate.set()
        self.started: list[tuple[str, ...]] = []
        self.running = 0
        self.most_at_once = 0

    def _refresh(
        self, entry: tuple[str, ...], clock: Now, args: list[Any]
    ) -> Coroutine[Any, Any, None]:
        """Counted when the store creates the refresh task, before that task first runs."""
        self.started.append(entry)
        return self._gated(entry, clock, args)

    async def _gated(self, entry: tuple[str, ...], clock: Now, args: list[Any]) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.gate.wait()
            await super()._refresh(entry, clock, args)
        finally:
            self.running -= 1


@pytest.fixture
async def gated(redis_client: aioredis.Redis, keys: Keys) -> AsyncIterator[GatedStore]:
    await redis_client.xgroup_create(keys.views, GROUP, id="0", mkstream=True)
    store = GatedStore(redis_client, keys)
    yield store
    store.gate.set()
    await store.wait_for_refreshes()  # none may write after the test's keys are dropped


@pytest.fixture
def gated_feed(redis_client: aioredis.Redis, gated: GatedStore, keys: Keys) -> Feed:
    return Feed(redis_client, gated, keys)


async def seeded(store: GatedStore, feed: Feed, counts: dict[str, int]) -> None:
    """World articles with `counts` views each, counted and folded at NOW."""
    for aid in counts:
        await store.upsert_article(article(aid, people=(f"Person {aid}",)))
    views = [view(aid, reader=f"{aid}-{k}") for aid, n in counts.items() for k in range(n)]
    await feed.views(views)


async def world(store: RankingStore, now: datetime, window: str = "24h") -> list[tuple[str, int]]:
    items = await store.top(scope="section:world", window=window, limit=5, now=now)
    return [(i.id, i.views) for i in items]


def pairs(items: list[RankedItem]) -> list[tuple[str, int]]:
    return [(i.id, i.views) for i in items]


async def more_views(feed: Feed, aid: str, n: int) -> None:
    await feed.views([view(aid, reader=f"{aid}-more-{k}") for k in range(n)])


async def test_a_fresh_entry_is_served_as_is(gated: GatedStore, gated_feed: Feed) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    assert await world(gated, NOW) == [("a1", 2), ("a2", 1)]
    await more_views(gated_feed, "a2", 3)
    assert await world(gated, FRESH) == [("a1", 2), ("a2", 1)]
    assert gated.started == []


async def test_a_stale_list_is_served_at_once_and_refreshed_behind(
    gated: GatedStore, gated_feed: Feed
) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    assert await world(gated, NOW) == [("a1", 2), ("a2", 1)]
    await more_views(gated_feed, "a2", 3)
    gated.gate.clear()
    assert await world(gated, STALE) == [("a1", 2), ("a2", 1)]  # the stale entry, at once
    assert gated.started == [("top", "section:world", "24h", "25")]
    gated.gate.set()
    await gated.wait_for_refreshes()
    assert await world(gated, STALE) == [("a2", 4), ("a1", 2)]
    assert len(gated.started) == 1  # the refreshed entry is fresh again


async def test_stale_trending_is_served_at_once_and_refreshed_behind(
    gated: GatedStore, gated_feed: Feed
) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})

    async def people(now: datetime) -> list[tuple[str, int]]:
        return pairs(await gated.trending(type="person", window="24h", limit=5, now=now))

    assert await people(NOW) == [("person:Person a1", 2), ("person:Person a2", 1)]
    await more_views(gated_feed, "a2", 3)
    gated.gate.clear()
    assert await people(STALE) == [("person:Person a1", 2), ("person:Person a2", 1)]
    assert gated.started == [("trend", "person", "24h")]
    gated.gate.set()
    await gated.wait_for_refreshes()
    assert await people(STALE) == [("person:Person a2", 4), ("person:Person a1", 2)]


async def test_one_refresh_per_entry_at_a_time(gated: GatedStore, gated_feed: Feed) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    await world(gated, NOW)
    await world(gated, NOW, window="1h")
    await more_views(gated_feed, "a2", 3)
    gated.gate.clear()  # the first refresh holds on: every read below finds the entry stale
    lists = await asyncio.gather(*(world(gated, STALE) for _ in range(20)))
    assert lists == [[("a1", 2), ("a2", 1)]] * 20
    await world(gated, STALE, window="1h")  # another entry gets its own refresh
    assert gated.started == [
        ("top", "section:world", "24h", "25"),
        ("top", "section:world", "1h", "25"),
    ]
    gated.gate.set()
    await gated.wait_for_refreshes()
    assert gated.most_at_once == 2
    assert await world(gated, STALE) == [("a2", 4), ("a1", 2)]
    later = STALE + timedelta(seconds=PARAMS.cache_ttl_s)
    await world(gated, later)  # stale again: a new refresh may start once the last is done
    assert gated.started.count(("top", "section:world", "24h", "25")) == 2


async def test_an_entry_past_cache_stale_s_is_computed_inline(
    gated: GatedStore, gated_feed: Feed
) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    await world(gated, NOW)
    await gated.trending(type="person", window="24h", limit=5, now=NOW)
    await more_views(gated_feed, "a2", 3)
    assert await world(gated, TOO_OLD) == [("a2", 4), ("a1", 2)]
    people = await gated.trending(type="person", window="24h", limit=5, now=TOO_OLD)
    assert pairs(people) == [("person:Person a2", 4), ("person:Person a1", 2)]
    assert gated.started == []


async def test_an_update_shows_at_once_from_a_stale_entry(
    gated: GatedStore, gated_feed: Feed, keys: Keys
) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    await world(gated, NOW)
    gated.gate.clear()
    await gated.upsert_article(article("a2", people=("Person a2",), version=2, headline="New"))
    assert await gated_feed.redis.hexists(keys.ranking("cache", "section:world"), "24h:25")
    items = await gated.top(scope="section:world", window="24h", limit=5, now=STALE)
    assert [(i.id, i.headline) for i in items] == [("a1", "Headline a1"), ("a2", "New")]
    assert len(gated.started) == 1  # it was the stale entry


async def test_a_kill_leaves_a_stale_list_and_stale_trending_at_once(
    gated: GatedStore, gated_feed: Feed
) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1, "a3": 1})
    await world(gated, NOW)
    await gated.trending(type="person", window="24h", limit=5, now=NOW)
    await gated.upsert_article(article("a1", version=2, status="canceled"))
    assert await world(gated, STALE) == [("a3", 1), ("a2", 1)]
    people = await gated.trending(type="person", window="24h", limit=5, now=STALE)
    assert [p.id for p in people] == ["person:Person a2", "person:Person a3"]  # ties by name


async def test_joining_a_scope_drops_its_stale_list(gated: GatedStore, gated_feed: Feed) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    await gated.upsert_article(article("s1", section="Sports"))
    await more_views(gated_feed, "s1", 5)
    assert await world(gated, NOW) == [("a1", 2), ("a2", 1)]
    await gated.upsert_article(article("s1", section="World", version=2))
    assert await world(gated, STALE) == [("s1", 5), ("a1", 2), ("a2", 1)]
    assert gated.started == []  # computed anew, not served stale


async def test_an_article_joining_drops_its_scopes_lists_in_every_window_and_no_other(
    gated: GatedStore, gated_feed: Feed, keys: Keys
) -> None:
    """One hash per scope (and per kind for trending) holds every window's entries, so an
    article drops a key per scope it joins, not one per scope and window."""
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    await gated.upsert_article(article("s1", section="Sports", people=("Person s1",)))
    for window in ("24h", "7d"):
        await world(gated, NOW, window)
    await gated.top(scope="section:sports", window="24h", limit=5, now=NOW)
    await gated.trending(type="person", window="24h", limit=5, now=NOW)
    world_lists, sports = (
        keys.ranking("cache", "section:world"),
        keys.ranking("cache", "section:sports"),
    )
    people = keys.ranking("cache", "trend", "person")
    assert sorted(await gated_feed.redis.hkeys(world_lists)) == [
        b"24h:25",
        b"24h:25:stamps",
        b"7d:25",
        b"7d:25:stamps",
    ]
    assert await gated_feed.redis.hkeys(people) == [b"24h"]
    await gated.upsert_article(article("n1", people=("Person n1",)))
    assert not await gated_feed.redis.exists(world_lists, people)
    assert await gated_feed.redis.exists(sports)
    await more_views(gated_feed, "n1", 3)
    assert await world(gated, FRESH, "7d") == [("n1", 3), ("a1", 2), ("a2", 1)]


async def test_today_is_not_served_from_yesterdays_bucket(
    gated: GatedStore, gated_feed: Feed
) -> None:
    midnight = gated.clock.day_bounds(gated.clock.now(NOW).day)[1]  # Tokyo's next midnight
    before = midnight - timedelta(seconds=2)
    await gated.upsert_article(article("a1"))
    await gated_feed.views([view("a1", ts=before)], before)
    assert await world(gated, before, window="today") == [("a1", 1)]
    assert await world(gated, midnight + timedelta(seconds=1), window="today") == []


async def test_a_failed_refresh_is_logged_and_keeps_the_stale_entry(
    gated: GatedStore, gated_feed: Feed, keys: Keys
) -> None:
    await seeded(gated, gated_feed, {"a1": 2, "a2": 1})
    await world(gated, NOW)
    gated.gate.clear()
    assert await world(gated, STALE) == [("a1", 2), ("a2", 1)]
    blocker = keys.ranking("mem", "section:world")  # the refresh's ZCARD will meet a string
    members = await gated_feed.redis.zrange(blocker, 0, -1, withscores=True)
    await gated_feed.redis.delete(blocker)
    await gated_feed.redis.set(blocker, "not a sorted set")
    with capture_logs() as logs:
        gated.gate.set()
        await gated.wait_for_refreshes()
    assert [e["event"] for e in logs] == ["ranking.cache_refresh_failed"]
    assert logs[0]["entry"] == "top:section:world:24h:25"
    await gated_feed.redis.delete(blocker)
    await gated_feed.redis.zadd(blocker, dict(members))
    assert await world(gated, STALE) == [("a1", 2), ("a2", 1)]  # still served, and retried
    await gated.wait_for_refreshes()
    assert len(gated.started) == 2
