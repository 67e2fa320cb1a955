"""Articles: a kill removes the article from every list at once; an update keeps counts."""

from __future__ import annotations

from datetime import timedelta

from services.ranking.domain.windows import WINDOWS
from services.ranking.store.ranking_store import RankingStore
from tests.integration.ranking.conftest import NOW, Feed, article, view

SCOPES = ("site", "section:world", "person:Fumio Kishida", "topic:medtop:11000000")


async def ids(store: RankingStore, scope: str, window: str) -> list[str]:
    return [i.id for i in await store.top(scope=scope, window=window, limit=10, now=NOW)]


async def test_a_kill_removes_the_article_from_every_list(store: RankingStore, feed: Feed) -> None:
    await store.upsert_article(article("a1"))
    await store.upsert_article(article("a2"))
    await feed.views([view("a1", reader=f"r{n}") for n in range(3)] + [view("a2")])
    yesterday = NOW - timedelta(days=1)
    await feed.views([view("a1", ts=yesterday), view("a2", ts=yesterday)])
    for scope in SCOPES:
        for window in WINDOWS:
            assert sorted(await ids(store, scope, window)) == ["a1", "a2"], (scope, window)
    people = await store.trending(type="person", window="24h", limit=5, now=NOW)
    assert people[0].views == 4  # yesterday's views are 24 h old: outside 24h
    assert await store.upsert_article(article("a1", version=2, status="canceled"), NOW) == "killed"
    for scope in SCOPES:  # cached lists included: the kill dropped them
        for window in WINDOWS:
            assert await ids(store, scope, window) == ["a2"], (scope, window)
    people = await store.trending(type="person", window="24h", limit=5, now=NOW)
    assert [(p.id, p.views) for p in people] == [("person:Fumio Kishida", 1)]
    assert people[0].score < 1.01
    assert await store.article_stats("a1", NOW) is None
    later = await feed.views([view("a1"), view("a1", reader="r9")])
    assert (later.unknown, later.counted) == (2, 0)
    assert await ids(store, "site", "all") == ["a2"]
    keys = [k async for k in feed.redis.scan_iter(match=feed.keys.ranking("*"))]
    for key in keys:
        if await feed.redis.type(key) == b"zset":
            assert await feed.redis.zscore(key, "a1") is None, key


async def test_a_kill_is_final(store: RankingStore, feed: Feed) -> None:
    assert await store.upsert_article(article("a1", status="canceled")) == "killed"
    assert await store.upsert_article(article("a1", version=5)) == "killed"
    assert (await feed.views([view("a1")])).unknown == 1


async def test_an_update_changes_what_lists_show_and_keeps_counts(
    store: RankingStore, feed: Feed
) -> None:
    await store.upsert_article(article("a1"))
    await feed.views([view("a1") for _ in range(4)])
    new = article("a1", version=2, section="Business", people=("Joe Biden",), headline="New")
    assert await store.upsert_article(new) == "ok"
    world = await store.top(scope="section:world", window="24h", limit=5, now=NOW)
    business = await store.top(scope="section:business", window="24h", limit=5, now=NOW)
    site = await store.top(scope="site", window="1h", limit=5, now=NOW)
    assert world == []
    assert [(i.headline, i.section, i.views) for i in business] == [("New", "Business", 4)]
    assert [(i.headline, i.views) for i in site] == [("New", 4)]
    people = await store.trending(type="person", window="24h", limit=5, now=NOW)
    assert [(p.headline, p.views) for p in people] == [("Joe Biden", 4)]
    stats = await store.article_stats("a1", NOW)
    assert stats is not None
    assert (stats["views"], stats["version"], stats["section"]) == (4, 2, "Business")
    assert stats["tags"]["entities"] == [{"type": "person", "name": "Joe Biden"}]


async def test_an_older_version_is_ignored(store: RankingStore) -> None:
    await store.upsert_article(article("a1", version=3, headline="Third"))
    assert await store.upsert_article(article("a1", version=2, headline="Second")) == "stale"
    assert await store.upsert_article(article("a1", version=3, headline="Re-tagged")) == "ok"
    stats = await store.article_stats("a1", NOW)
    assert stats is not None
    assert stats["headline"] == "Re-tagged"
