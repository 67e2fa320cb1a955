"""The store's reads for the dashboard: views per bucket of a window, and display fields."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.ranking.domain.windows import UnknownWindowError
from services.ranking.store.ranking_store import RankingStore
from tests.integration.ranking.conftest import NOW, Feed, article, view


async def test_series_put_each_view_in_its_bucket_oldest_first(
    store: RankingStore, feed: Feed
) -> None:
    # Several ids so that the ledger shards differ: the series must find each one's shard.
    ids = [f"dash-{n}-{'x' * n}" for n in range(6)]
    for aid in ids:
        await store.upsert_article(article(aid), NOW)
    two_hours_ago = NOW - timedelta(hours=2, minutes=5)
    views = [view(aid, reader=f"r{n}-{aid}") for n, aid in enumerate(ids) for _ in range(1)]
    views += [view(ids[0], reader=f"late{n}", ts=NOW - timedelta(minutes=3)) for n in range(3)]
    views += [view(ids[1], reader=f"old{n}", ts=two_hours_ago) for n in range(4)]
    await feed.views(views)

    hourly = await store.view_series(ids, "24h", NOW)
    minutely = await store.view_series(ids, "1h", NOW)
    daily = await store.view_series(ids, "7d", NOW)
    today = await store.view_series(ids, "today", NOW)

    assert all(len(s) == 24 for s in hourly.values())
    assert hourly[ids[0]][-1] == 4  # 1 now + 3 three minutes ago, same hour
    assert hourly[ids[1]][-1] == 1
    assert hourly[ids[1]][-3] == 4  # two hours and five minutes ago
    assert all(sum(hourly[aid]) == 1 for aid in ids[2:])
    assert len(minutely[ids[0]]) == 60
    assert minutely[ids[0]][-1] == 1
    assert minutely[ids[0]][-4] == 3
    assert sum(minutely[ids[1]]) == 1  # the old views are out of the hour
    assert len(daily[ids[0]]) == 7
    assert daily[ids[1]][-1] == 5
    # NOW is 12:30 in Tokyo: today has 13 hours so far (00:00 to 12:00).
    assert len(today[ids[0]]) == 13
    assert sum(today[ids[1]]) == 5


async def test_series_of_unread_article_is_zeros_and_other_windows_refused(
    store: RankingStore,
) -> None:
    assert await store.view_series(["nobody-read-me"], "24h", NOW) == {"nobody-read-me": [0] * 24}
    with pytest.raises(UnknownWindowError):
        await store.view_series(["x"], "all", NOW)


async def test_stored_articles_skip_unknown_and_killed(store: RankingStore) -> None:
    await store.upsert_article(article("live-1"), NOW)
    await store.upsert_article(article("gone-1"), NOW)
    await store.upsert_article(article("gone-1", version=2, status="canceled"), NOW)
    docs = await store.stored_articles(["live-1", "gone-1", "never"])
    assert list(docs) == ["live-1"]
    assert docs["live-1"]["published_at"] == "2024-06-05T03:30:00Z"
    assert docs["live-1"]["url"] == "https://news.example/live-1"
    assert await store.stored_articles([]) == {}
