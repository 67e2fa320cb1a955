"""Windows over time: late views, rolling windows moving on, calendar days, TTLs on buckets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.ranking.domain.windows import WINDOWS
from services.ranking.store.ranking_store import RankingStore
from tests.integration.ranking.conftest import NOW, Feed, article, view


async def counts(store: RankingStore, aid: str, now: object = NOW) -> dict[str, int]:
    stats = await store.article_stats(aid, now)  # type: ignore[arg-type]
    assert stats is not None
    return dict(stats["windows"])


async def test_late_views_land_in_the_buckets_of_their_own_time(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("a1"))
    await feed.views(
        [
            view("a1", ts=NOW - timedelta(minutes=5)),
            view("a1", ts=NOW - timedelta(hours=3)),  # 12:30 -> 09:30 Tokyo, same day
            view("a1", ts=NOW - timedelta(hours=13)),  # yesterday in Tokyo
            view("a1", ts=NOW - timedelta(days=3)),  # Sunday: last week
            view("a1", ts=NOW - timedelta(days=30)),  # only all-time
        ]
    )
    assert await counts(store, "a1") == {
        "1h": 1,
        "24h": 3,
        "7d": 4,
        "today": 2,
        "yesterday": 1,
        "week": 3,
        "all": 5,
    }


async def test_future_views_count_as_now(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await feed.views([view("a1", ts=NOW + timedelta(days=2))])
    assert (await counts(store, "a1"))["1h"] == 1


async def test_rolling_windows_move_on_with_the_clock(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await feed.views([view("a1"), view("a1")])
    later = NOW + timedelta(minutes=61)
    await feed.views([view("a1", ts=later)], later)
    assert (await counts(store, "a1", later))["1h"] == 1
    assert (await counts(store, "a1", later))["24h"] == 3
    idle = NOW + timedelta(hours=25)  # no views meanwhile: queries roll the windows alone
    site = await store.top(scope="site", window="24h", limit=5, now=idle)
    assert site == []
    assert (await counts(store, "a1", idle))["7d"] == 3


@pytest.mark.parametrize("minutes", [1, 7, 59])
async def test_subtracting_one_minute_at_a_time_matches_a_rebuild(
    store: RankingStore, feed: Feed, minutes: int
) -> None:
    await store.upsert_article(article("a1"))
    for m in range(minutes + 1):
        t = NOW + timedelta(minutes=m)
        await feed.views([view("a1", ts=t)], t)
    end = NOW + timedelta(minutes=minutes + 60)
    assert (await counts(store, "a1", end - timedelta(minutes=1)))["1h"] == 1
    assert (await counts(store, "a1", end))["1h"] == 0


async def test_every_bucket_and_cache_key_expires(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await feed.views([view("a1", reader="r1"), view("a1", ts=NOW - timedelta(hours=30))])
    for window in WINDOWS:
        await store.top(scope="section:world", window=window, limit=5, now=NOW)
    await store.trending(type="person", window="week", limit=5, now=NOW)
    bounded_by_articles = {"art", "live", "rep", "all", "mem", "hll", "topics"}
    bounded_by_design = {"win", "roll", "trend"}  # running sums; trend is purged on rebase
    async for key in feed.redis.scan_iter(match=feed.keys.ranking("*")):
        family = key.decode().split(":")[2]
        ttl = await feed.redis.ttl(key)
        if family in bounded_by_articles | bounded_by_design:
            continue
        assert family != "pend", f"{key!r}: a fold leaves no pending counts behind"
        assert family in {"m", "h", "d", "w", "cache", "seen"}, key
        assert 0 < ttl <= 10 * 86400, (key, ttl)
