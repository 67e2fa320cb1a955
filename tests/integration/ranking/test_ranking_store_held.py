"""Views that beat their article to ranking: held, then counted in their own minute when it
arrives; bounded in number and time; never for a killed article; exactly once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import redis.asyncio as aioredis

from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.scripts import HeldViews
from shared.keys import Keys
from tests.integration.ranking.conftest import NOW, Feed, article, view


def holding(store: RankingStore, **held: int) -> RankingStore:
    params = replace(store.params, held=replace(store.params.held, **held))
    return RankingStore(store.redis, store.keys, params)


async def held_keys(redis: aioredis.Redis, keys: Keys, aid: str) -> list[str]:
    names = ("held", "hll")
    return [n for n in names if await redis.exists(keys.ranking(n, aid))]


async def test_views_before_their_article_count_in_their_own_minute_when_it_arrives(
    store: RankingStore, feed: Feed
) -> None:
    early = NOW - timedelta(minutes=90)  # in 24h, not in 1h
    result = await feed.views(
        [view("a1", reader="r1", ts=early), view("a1", reader="r2"), view("a1", reader="r2")]
    )
    assert (result.held, result.rejected_repeat, result.counted) == (2, 1, 0)
    assert await store.top(scope="site", window="all", limit=5, now=NOW) == []
    assert await store.article_stats("a1", NOW) is None

    assert await store.upsert_article(article("a1")) == "ok:2"
    stats = await store.article_stats("a1", NOW)
    assert stats is not None
    assert stats["views"] == 3  # both held views and the repeat, at once
    assert stats["unique_readers"] == 2
    assert (stats["windows"]["1h"], stats["windows"]["24h"]) == (1, 2)
    top = await store.top(scope="section:world", window="24h", limit=5, now=NOW)
    assert [(i.id, i.views) for i in top] == [("a1", 2)]
    assert await held_keys(feed.redis, feed.keys, "a1") == ["hll"]
    assert await feed.redis.ttl(feed.keys.ranking("hll", "a1")) == -1  # kept as any article's
    assert await feed.redis.zcard(feed.keys.ranking("held")) == 0


async def test_a_second_version_releases_nothing_twice(store: RankingStore, feed: Feed) -> None:
    await feed.views([view("a1", reader="r1")])
    assert await store.upsert_article(article("a1")) == "ok:1"
    assert await store.upsert_article(article("a1", version=2)) == "ok"
    await feed.views([view("a1", reader="r2")])
    stats = await store.article_stats("a1", NOW)
    assert stats is not None
    assert stats["views"] == 2


async def test_a_kill_drops_held_views_and_later_ones_count_nowhere(
    store: RankingStore, feed: Feed
) -> None:
    assert (await feed.views([view("k1", reader="r1")])).held == 1
    assert await store.upsert_article(article("k1", status="canceled")) == "killed"
    assert await held_keys(feed.redis, feed.keys, "k1") == []
    assert (await feed.views([view("k1", reader="r2")])).unknown == 1
    assert await store.top(scope="site", window="all", limit=5, now=NOW) == []
    assert await feed.redis.zcard(feed.keys.ranking("held")) == 0


async def test_at_most_max_articles_are_held_and_an_ended_hold_frees_room(
    store: RankingStore, feed: Feed
) -> None:
    capped = holding(store, max_articles=2, hold_s=3600)
    first = await feed.count_with(capped, [view(f"x{n}") for n in range(3)], NOW)
    assert (first.held, first.unknown) == (2, 1)
    more = await feed.count_with(capped, [view("x0"), view("x3")], NOW)
    assert (more.held, more.unknown) == (1, 1)  # a held one again; a new one has no room
    later = NOW + timedelta(seconds=3601)
    after = await feed.count_with(capped, [view("x3", ts=later)], later)
    assert (after.held, after.unknown) == (1, 0)
    assert await feed.redis.zcard(feed.keys.ranking("held")) == 1  # the ended ones pruned


async def test_holding_off_makes_early_views_unknown(store: RankingStore, feed: Feed) -> None:
    off = holding(store, hold_s=0)
    result = await feed.count_with(off, [view("a1"), view("a1")], NOW)
    assert (result.unknown, result.held) == (2, 0)
    assert await held_keys(feed.redis, feed.keys, "a1") == []


async def test_a_redelivered_held_view_is_held_once(store: RankingStore, feed: Feed) -> None:
    await feed.add([view("a1", reader="r1")])
    entries = await feed.read()
    assert (await feed.count(entries)).held == 1
    again = await feed.count(entries)  # a reclaim of an entry the first call acked
    assert (again.duplicates, again.held) == (1, 0)
    await store.upsert_article(article("a1"))
    stats = await store.article_stats("a1", NOW)
    assert stats is not None
    assert stats["views"] == 1


def test_hold_defaults_are_at_least_an_hour() -> None:
    assert HeldViews().hold_s >= 3600
