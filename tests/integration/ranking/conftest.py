"""A ranking store on the real Redis, and a real stream + group to feed it views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from services.ranking.domain.results import CountResult
from services.ranking.domain.view_entries import View
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from shared.consumer.handler import FreshRead
from shared.keys import Keys
from shared.models import Article, EnrichedArticle, Entity, Tags, Topic, ViewEvent

GROUP = "ranking"
NOW = datetime(2024, 6, 5, 3, 30, tzinfo=UTC)  # Wednesday 12:30 in Tokyo


def article(
    aid: str,
    *,
    section: str | None = "World",
    people: Sequence[str] = ("Fumio Kishida",),
    topics: Sequence[str] = ("medtop:11000000",),
    version: int = 1,
    status: str = "usable",
    headline: str | None = None,
) -> EnrichedArticle:
    return EnrichedArticle(
        event_id=f"e-{aid}-{version}",
        id=aid,
        producer="p",
        received_at=NOW,
        enricher_version="1",
        content_hash="h",
        article=Article(
            guid=aid,
            version=version,
            pubstatus=status,  # type: ignore[arg-type]
            headline=headline or f"Headline {aid}",
            section=section,
            url=f"https://news.example/{aid}",
            published_at=NOW,
        ),
        tags=Tags(
            entities=[Entity(type="person", name=p, text=p, start=0, end=1) for p in people],
            topics=[Topic(code=c, label=f"label {c}", score=0.9) for c in topics],
            story_id=f"story-{aid}",
        ),
    )


@dataclass
class Feed:
    """XADD views as ingest does, XREADGROUP them (pending), count and fold them."""

    redis: aioredis.Redis
    store: RankingStore
    keys: Keys

    async def add(self, views: Sequence[ViewEvent]) -> None:
        for view in views:
            await self.redis.xadd(self.keys.views, {"__data__": view.model_dump_json()})

    async def read(self, consumer: str = "c1", last: str = ">") -> list[View]:
        resp = await self.redis.xreadgroup(GROUP, consumer, {self.keys.views: last}, count=10_000)
        rows = resp[0][1] if isinstance(resp, list) and resp else []
        rows = next(iter(resp.values())) if isinstance(resp, dict) else rows
        return [View.of(i.decode(), ViewEvent.model_validate_json(f[b"__data__"])) for i, f in rows]

    async def count(
        self, entries: list[View], now: datetime = NOW, fresh: FreshRead | None = None
    ) -> CountResult:
        """Counts a batch and folds it into the lists, as the consumer's loops do."""
        result = await self.store.count_views(self.keys.views, GROUP, entries, now, fresh)
        await self.store.fold(now)
        return result

    async def count_with(
        self, store: RankingStore, views: Sequence[ViewEvent], now: datetime
    ) -> CountResult:
        """Adds, reads and counts `views` through another store on the same keys."""
        await self.add(views)
        result = await store.count_views(self.keys.views, GROUP, await self.read(), now)
        await store.fold(now)
        return result

    async def views(self, views: Sequence[ViewEvent], now: datetime = NOW) -> CountResult:
        await self.add(views)
        return await self.count(await self.read(), now)


def view(aid: str, *, reader: str | None = None, ts: datetime = NOW, **kw: str) -> ViewEvent:
    return ViewEvent(article_id=aid, reader_id=reader, ts=ts, **kw)  # type: ignore[arg-type]


@pytest.fixture
def keys(prefix: str) -> Keys:
    return Keys(prefix)


@pytest.fixture
async def store(redis_client: aioredis.Redis, keys: Keys) -> RankingStore:
    await redis_client.xgroup_create(keys.views, GROUP, id="0", mkstream=True)
    params = RankingParams(
        timezone="Asia/Tokyo",
        trending_half_life_s=3600,
        reader_repeat_interval_s=1800,
        repeat_filter_bits_log2=16,
    )
    return RankingStore(redis_client, keys, params)


@pytest.fixture
def feed(redis_client: aioredis.Redis, store: RankingStore, keys: Keys) -> Feed:
    return Feed(redis_client, store, keys)
