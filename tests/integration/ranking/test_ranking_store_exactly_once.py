"""Exactly once in effect: redelivered or reclaimed entries are never counted twice."""

from __future__ import annotations

import asyncio

from services.ranking.store.ranking_store import RankingStore
from shared.consumer.handler import FreshRead
from tests.integration.ranking.conftest import GROUP, NOW, Feed, article, view


async def total(store: RankingStore, aid: str) -> int:
    stats = await store.article_stats(aid, NOW)
    assert stats is not None
    return int(stats["views"])


async def test_a_crash_before_counting_leaves_entries_pending_and_counts_them_once(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("a1"))
    await feed.add([view("a1") for _ in range(5)])
    read = await feed.read()  # the consumer "crashes" here: nothing counted, all pending
    assert (await feed.redis.xpending(feed.keys.views, GROUP))["pending"] == 5
    again = await feed.read(last="0")  # restart: its own pending entries come back
    assert [v.entry_id for v in again] == [v.entry_id for v in read]
    assert (await feed.count(again)).counted == 5
    assert (await feed.count(again)).duplicates == 5  # a redelivery after the script
    assert await feed.read(last="0") == []
    assert await total(store, "a1") == 5


async def test_a_reclaimed_batch_is_counted_by_one_consumer_only(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("a1"))
    await feed.add([view("a1") for _ in range(4)])
    slow = await feed.read("slow")
    ids = [v.entry_id for v in slow]
    claimed = await feed.redis.xclaim(feed.keys.views, GROUP, "claimer", 0, ids)
    assert len(claimed) == 4  # still pending, now owned by the claimer
    first = await feed.count(slow[:2])  # the claimer counts half of them ...
    second = await feed.count(slow)  # ... then the slow consumer finishes its batch
    assert (first.counted, second.counted, second.duplicates) == (2, 2, 2)
    assert await total(store, "a1") == 4
    assert (await feed.redis.xpending(feed.keys.views, GROUP))["pending"] == 0


async def test_the_same_entry_twice_in_one_batch_counts_once(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("a1"))
    await feed.add([view("a1")])
    entries = await feed.read()
    result = await feed.count(entries + entries)
    assert (result.counted, result.duplicates) == (1, 1)


async def test_counting_leaves_no_consumer_behind(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await feed.views([view("a1")])
    names = {c["name"] for c in await feed.redis.xinfo_consumers(feed.keys.views, GROUP)}
    assert names == {b"c1"}


# A fresh batch (one XREADGROUP '>') may be acked with one XACK when nobody can have
# claimed any of it; each case below must fall back to acking entry by entry.
async def test_a_fresh_batch_acked_whole_is_counted_once(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await feed.add([view("a1") for _ in range(5)])
    batch = await feed.read("c1")
    fresh = FreshRead("c1", 60_000)
    assert (await feed.count(batch, fresh=fresh)).counted == 5
    again = await feed.count(batch, fresh=fresh)  # the same batch again: nothing pending
    assert (again.counted, again.duplicates) == (0, 5)
    assert await total(store, "a1") == 5
    assert (await feed.redis.xpending(feed.keys.views, GROUP))["pending"] == 0


async def test_a_fresh_batch_partly_claimed_after_min_idle_counts_the_rest_only(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("a1"))
    await feed.add([view("a1") for _ in range(4)])
    slow = await feed.read("slow")
    await asyncio.sleep(0.15)  # longer than min_idle below: a claimer may take entries now
    middle = [v.entry_id for v in slow[1:3]]  # not the first: its owner has not changed
    assert len(await feed.redis.xclaim(feed.keys.views, GROUP, "claimer", 100, middle)) == 2
    assert (await feed.count(slow[1:3])).counted == 2
    late = await feed.count(slow, fresh=FreshRead("slow", 100))
    assert (late.counted, late.duplicates) == (2, 2)
    assert await total(store, "a1") == 4


async def test_a_fresh_batch_whose_first_entry_was_claimed_is_acked_entry_by_entry(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("a1"))
    await feed.add([view("a1") for _ in range(3)])
    slow = await feed.read("slow")
    await feed.redis.xclaim(feed.keys.views, GROUP, "claimer", 0, [slow[0].entry_id])
    assert (await feed.count(slow[:1])).counted == 1
    late = await feed.count(slow, fresh=FreshRead("slow", 60_000))
    assert (late.counted, late.duplicates) == (2, 1)
    assert await total(store, "a1") == 3
