"""The articles.enriched group: a batch is upserted in one round trip, and each article's
script acks its own entry, so a failing article stays pending while its neighbours are done."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aioredis

from services.ranking.consumers.articles import ArticlesHandler
from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.scripts import ArticleWrite
from shared.consumer.entries import Delivery
from shared.consumer.handler import Batch
from shared.keys import Keys
from shared.models import EnrichedArticle
from tests.integration.ranking.conftest import GROUP, article


async def pending_of(
    redis: aioredis.Redis, keys: Keys, articles: list[EnrichedArticle]
) -> list[Delivery[EnrichedArticle]]:
    """XADD the articles as the enricher publishes them and read them (now pending)."""
    await redis.xgroup_create(keys.enriched, GROUP, id="0", mkstream=True)
    for a in articles:
        await redis.xadd(keys.enriched, {"__data__": a.model_dump_json()})
    reply = await redis.xreadgroup(GROUP, "c1", {keys.enriched: ">"}, count=100)
    rows = reply[0][1] if isinstance(reply, list) else next(iter(reply.values()))
    return [Delivery(i, EnrichedArticle.model_validate_json(f[b"__data__"])) for i, f in rows]


async def pending(redis: aioredis.Redis, keys: Keys) -> int:
    return int((await redis.xpending(keys.enriched, GROUP))["pending"])


async def test_a_batch_is_upserted_and_acked_in_its_scripts(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys
) -> None:
    items = await pending_of(redis_client, keys, [article(f"a{n}") for n in range(3)])
    handler = ArticlesHandler(store, stream=keys.enriched, group=GROUP, max_bytes=1 << 20)
    assert handler.runner_acks is False
    assert await handler.handle(items, Batch(fresh=None, deliveries=1)) == {}
    assert await pending(redis_client, keys) == 0
    assert sorted(await store.stored_articles(["a0", "a1", "a2"])) == ["a0", "a1", "a2"]


async def test_an_older_version_is_acked_without_going_back(
    redis_client: aioredis.Redis, store: RankingStore, keys: Keys
) -> None:
    await store.upsert_article(article("a1", version=3, headline="Third"))
    items = await pending_of(redis_client, keys, [article("a1", version=2, headline="Second")])
    handler = ArticlesHandler(store, stream=keys.enriched, group=GROUP, max_bytes=1 << 20)
    assert await handler.handle(items, Batch(fresh=None, deliveries=1)) == {}
    assert await pending(redis_client, keys) == 0
    stored = await store.stored_articles(["a1"])
    assert stored["a1"]["headline"] == "Third"


async def test_a_failing_article_stays_pending_and_its_neighbours_are_done(
    redis_client: aioredis.Redis,
    store: RankingStore,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written = store._write

    def broken_for_a1(enriched: EnrichedArticle, entry_id: bytes | None, when: Any) -> ArticleWrite:
        w = written(enriched, entry_id, when)
        # Sections cut short: the script fails on its ARGV before writing anything.
        return (
            ArticleWrite(w.mode, w.article_id, w.args[:2], w.entry_id)
            if w.article_id == "a1"
            else w
        )

    monkeypatch.setattr(store, "_write", broken_for_a1)
    items = await pending_of(redis_client, keys, [article(f"a{n}") for n in range(3)])
    handler = ArticlesHandler(store, stream=keys.enriched, group=GROUP, max_bytes=1 << 20)
    failures = await handler.handle(items, Batch(fresh=None, deliveries=1))
    assert list(failures) == [items[1].entry_id]
    detail = await redis_client.xpending_range(keys.enriched, GROUP, min="-", max="+", count=10)
    assert [row["message_id"] for row in detail] == [items[1].entry_id]
    assert sorted(await store.stored_articles(["a0", "a1", "a2"])) == ["a0", "a2"]
