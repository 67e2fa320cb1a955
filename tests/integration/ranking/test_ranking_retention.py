"""Retention on a real Redis: an article past NEWSDESK_RANKING_RETAIN_DAYS and unread for a
week leaves every list and count at once; one still read, a recent one and a recent kill's
tombstone stay; with retention off nothing is ever dropped."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import redis.asyncio as aioredis

from services.ranking.domain.list_documents import article_scopes
from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.retention import Retention
from shared.keys import Keys
from shared.models import EnrichedArticle
from tests.integration.ranking.conftest import NOW, Feed, article, view
from tests.waiting import eventually


def published(aid: str, when: datetime, **kw: object) -> EnrichedArticle:
    doc = article(aid, **kw)  # type: ignore[arg-type]
    return doc.model_copy(update={"article": doc.article.model_copy(update={"published_at": when})})


def retaining(store: RankingStore, days: int = 30) -> RankingStore:
    params = dataclasses.replace(store.params, retain_days=days)
    return RankingStore(store.redis, store.keys, params)


async def traces(redis: aioredis.Redis, keys: Keys, doc: EnrichedArticle) -> list[str]:
    """Where ranking still holds the article."""
    aid, found = doc.id, []
    if await redis.exists(keys.ranking("art", aid)):
        found.append("art")
    if await redis.hexists(keys.ranking("live"), aid):
        found.append("live")
    found += [s for s in article_scopes(doc) if await redis.zscore(keys.ranking("mem", s), aid)]
    for name in ("all", "trend:article", "win:7d"):
        if await redis.zscore(keys.ranking(*name.split(":")), aid) is not None:
            found.append(name)
    if await redis.exists(keys.ranking("hll", aid)):
        found.append("hll")
    return found


async def test_an_old_unread_article_leaves_everything_at_once(
    store: RankingStore, feed: Feed
) -> None:
    kept = retaining(store)
    old = published("old", NOW - timedelta(days=40))
    await kept.upsert_article(old, NOW - timedelta(days=40))
    await feed.views(
        [view("old", reader="r1", ts=NOW - timedelta(days=20))], NOW - timedelta(days=20)
    )
    assert "hll" in await traces(feed.redis, feed.keys, old)

    assert await kept.retire(NOW) == (1, 0)
    assert await traces(feed.redis, feed.keys, old) == []
    assert await kept.article_stats("old", NOW) is None
    assert await feed.redis.zcard(feed.keys.ranking("retire")) == 0
    # A later view is held as for an article not yet arrived (ranking cannot tell them
    # apart): it reaches no list, and its traces expire with the hold.
    counted = await feed.views([view("old", reader="r2")])
    assert counted.held == 1
    assert await feed.redis.zscore(feed.keys.ranking("all"), "old") is None
    ttls = [await feed.redis.ttl(feed.keys.ranking(k, "old")) for k in ("held", "hll")]
    assert all(0 < ttl <= store.params.held.hold_s for ttl in ttls)


async def test_an_old_article_read_this_week_stays_and_is_looked_at_a_day_later(
    store: RankingStore, feed: Feed
) -> None:
    kept = retaining(store)
    old = published("evergreen", NOW - timedelta(days=40))
    await kept.upsert_article(old, NOW - timedelta(days=40))
    await feed.views([view("evergreen", reader="r1", ts=NOW - timedelta(days=2))], NOW)

    assert await kept.retire(NOW) == (0, 1)
    assert "art" in await traces(feed.redis, feed.keys, old)
    due = await feed.redis.zscore(feed.keys.ranking("retire"), "evergreen")
    assert due == int((NOW + timedelta(days=1)).timestamp())
    assert await kept.retire(NOW + timedelta(hours=23)) == (0, 0)


async def test_recent_articles_and_recent_kills_stay(store: RankingStore, feed: Feed) -> None:
    kept = retaining(store)
    recent = published("recent", NOW - timedelta(days=29))
    await kept.upsert_article(recent, NOW)
    killed = published("killed", NOW - timedelta(days=60), status="canceled")
    await kept.upsert_article(killed, NOW)  # the tombstone is kept 30 days from the kill

    assert await kept.retire(NOW) == (0, 0)
    assert "art" in await traces(feed.redis, feed.keys, recent)
    assert await feed.redis.exists(feed.keys.ranking("art", "killed"))
    assert await kept.retire(NOW + timedelta(days=31)) == (2, 0)
    assert not await feed.redis.exists(feed.keys.ranking("art", "killed"))


async def test_without_retention_nothing_is_dropped(store: RankingStore, feed: Feed) -> None:
    ancient = published("ancient", NOW - timedelta(days=3000))
    await store.upsert_article(ancient, NOW)
    assert await store.retire(NOW + timedelta(days=3000)) == (0, 0)
    assert "art" in await traces(feed.redis, feed.keys, ancient)


async def test_the_service_task_runs_only_with_retention(store: RankingStore, feed: Feed) -> None:
    off = Retention(store)
    await off.start()
    assert not off.running
    on = Retention(retaining(store), interval_s=3600)
    old = published("old", datetime.now(NOW.tzinfo) - timedelta(days=90))
    await on.store.upsert_article(old)
    await on.start()
    try:
        await eventually(lambda: _gone(feed, "old"), timeout_s=5)
    finally:
        await on.stop()
    assert not on.running


async def _gone(feed: Feed, aid: str) -> bool:
    return not await feed.redis.exists(feed.keys.ranking("art", aid))
