"""Trending: entities by forward-decayed views; the landmark rebase keeps scores."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.ranking.store.ranking_store import RankingStore
from tests.integration.ranking.conftest import NOW, Feed, article, view


async def test_recent_views_trend_above_older_ones(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("old", people=("Old News",), topics=("t1",)))
    await store.upsert_article(article("new", people=("Fresh Face",), topics=("t2",)))
    earlier = NOW - timedelta(hours=3)
    await feed.views([view("old", ts=earlier) for _ in range(6)], NOW)
    await feed.views([view("new") for _ in range(2)], NOW)
    people = await store.trending(type="person", window="24h", limit=5, now=NOW)
    assert [(p.id, p.views) for p in people] == [("person:Fresh Face", 2), ("person:Old News", 6)]
    assert people[0].score == pytest.approx(2.0, rel=0.02)
    assert people[1].score == pytest.approx(6 / 8, rel=0.02)  # three half-lives old
    recent = await store.trending(type="person", window="1h", limit=5, now=NOW)
    assert [p.id for p in recent] == ["person:Fresh Face"]  # nothing of "Old News" in 1h
    topics = await store.trending(type="topic", window="24h", limit=1, now=NOW)
    assert [(t.id, t.headline) for t in topics] == [("topic:t2", "label t2")]


async def test_trending_refuses_unknown_types(store: RankingStore) -> None:
    with pytest.raises(ValueError, match="type"):
        await store.trending(type="section", window="1h", limit=5, now=NOW)


async def test_rebase_moves_the_landmark_and_keeps_scores(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await feed.views([view("a1") for _ in range(3)])
    later = NOW + timedelta(hours=2)
    before = await store.top(scope="site", window="7d", limit=1, now=later)
    assert await store.rebase(later)
    after = await store.top(scope="site", window="7d", limit=1, now=later)
    assert after[0].score == pytest.approx(before[0].score, rel=1e-6)
    assert after[0].score == pytest.approx(0.75, rel=0.02)
    t0 = await feed.redis.get(feed.keys.ranking("trend", "t0"))
    assert int(t0 or 0) == int(later.timestamp())


async def test_counting_rebases_when_scores_grow_too_large(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await feed.views([view("a1")])
    far = NOW + timedelta(days=3)  # 72 half-lives: past the rebase point
    await feed.views([view("a1", ts=far)], far)
    t0 = await feed.redis.get(feed.keys.ranking("trend", "t0"))
    assert int(t0 or 0) == int(far.timestamp())
    top = await store.top(scope="site", window="all", limit=1, now=far)
    assert top[0].views == 2
    assert top[0].score == pytest.approx(1.0, rel=0.02)
