"""Lists merged from three shards against a brute-force oracle: the same articles and views
counted by a single store, whose lists are exact by construction."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from services.ranking.domain.results import RankedItem
from services.ranking.domain.view_entries import View
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.shards import RankingShards, collapse_stories
from shared.keys import Keys, shard_of
from shared.models import ViewEvent
from tests.integration.ranking.conftest import GROUP, NOW, article, view

SECTIONS = ("World", "Business", "Sports")
# More names than a shard lists for a short trending list: merging must ask the shards for
# the scores of the candidates they did not list.
PEOPLE = ("Ada", "Grace", "Alan", "Edsger", "Barbara", *(f"Person {n}" for n in range(35)))
PARAMS = RankingParams(reader_repeat_interval_s=0)


async def count(store: RankingStore, stream: str, events: list[ViewEvent]) -> None:
    client = store.redis
    for event in events:
        await client.xadd(stream, {"__data__": event.model_dump_json()})
    reply = await client.xreadgroup(GROUP, "c1", {stream: ">"}, count=100_000)
    rows = reply[0][1] if isinstance(reply, list) else next(iter(reply.values()))
    entries = [View.of(i, ViewEvent.model_validate_json(f[b"__data__"])) for i, f in rows]
    await store.count_views(stream, GROUP, entries, NOW)
    await store.fold(NOW)


@pytest.fixture
async def worlds(
    redis_client: aioredis.Redis, prefix: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[RankingShards, RankingStore]]:
    """(three shards, one oracle store) holding the same random articles and views."""
    rng = random.Random(request.param)
    sharded = Keys(f"{prefix}s", shards=3)
    oracle_keys = Keys(f"{prefix}o")
    shards = RankingShards.of(redis_client, sharded, PARAMS)
    oracle = RankingStore(redis_client, oracle_keys, PARAMS)
    for stream in [*(k.views for k in sharded.all_shards()), oracle_keys.views]:
        await redis_client.xgroup_create(stream, GROUP, id="0", mkstream=True)
    events: list[ViewEvent] = []
    for n in range(60):
        aid = f"a{n:02d}"
        people = ["Ada", *rng.sample(PEOPLE[1:], 2)] if n % 2 else rng.sample(PEOPLE, 3)
        status = "canceled" if n % 17 == 5 else "usable"
        doc = article(aid, section=rng.choice(SECTIONS), people=people, status=status)
        doc.tags.story_id = f"story-{n // 3}"  # three versions a story
        await shards.store_for(aid).upsert_article(doc, NOW)
        await oracle.upsert_article(doc, NOW)
        for _ in range(rng.randint(0, 30)):
            ago = timedelta(minutes=rng.randint(0, 60 * 30))
            events.append(view(aid, ts=NOW - ago))
    for n, shard in enumerate(sharded.all_shards()):
        mine = [e for e in events if shard_of(e.article_id, 3) == n]
        await count(shards.stores[n], shard.views, mine)
    await count(oracle, oracle_keys.views, events)
    yield shards, oracle
    for pattern in [*sharded.all_patterns(), *oracle_keys.all_patterns()]:
        found = [k async for k in redis_client.scan_iter(match=pattern, count=1000)]
        if found:
            await redis_client.delete(*found)


def collapsed(everything: list[RankedItem], limit: int) -> list[RankedItem]:
    """The oracle's stories as the merged list reads them: the true top m rows collapsed,
    m doubling from 2 * limit + 10 until `limit` stories come out (versions are counted
    within those rows)."""
    m = 2 * limit + 10
    while True:
        out = collapse_stories(everything[:m])
        if len(out) >= limit or m >= len(everything):
            return out[:limit]
        m *= 2


def rows(items: list[RankedItem]) -> list[tuple[int, str, int, int, list[str]]]:
    return [(i.rank, i.id, i.views, i.versions, i.other_versions) for i in items]


@pytest.mark.parametrize("worlds", [1, 2, 3], indirect=True)
@pytest.mark.parametrize("scope", ["site", "section:world", "person:Ada"])
@pytest.mark.parametrize("window", ["1h", "24h", "today", "all"])
async def test_merged_lists_are_the_oracles(
    worlds: tuple[RankingShards, RankingStore], scope: str, window: str
) -> None:
    shards, oracle = worlds
    everything = await oracle.top(scope=scope, window=window, limit=200, now=NOW)
    for limit in (1, 5, 12):
        merged = await shards.top(scope=scope, window=window, limit=limit, now=NOW, collapse=False)
        assert rows(merged) == rows(everything[:limit])
        stories = await shards.top(scope=scope, window=window, limit=limit, now=NOW)
        assert [(i.id, i.views, i.versions, i.other_versions) for i in stories] == [
            (i.id, i.views, i.versions, i.other_versions) for i in collapsed(everything, limit)
        ]
        assert [i.rank for i in stories] == list(range(1, len(stories) + 1))


@pytest.mark.parametrize("worlds", [1, 2], indirect=True)
@pytest.mark.parametrize("window", ["1h", "24h"])
async def test_merged_trending_is_the_oracles(
    worlds: tuple[RankingShards, RankingStore], window: str
) -> None:
    shards, oracle = worlds
    for limit in (1, 3, 5):
        merged = await shards.trending(type="person", window=window, limit=limit, now=NOW)
        truth = await oracle.trending(type="person", window=window, limit=limit, now=NOW)
        assert [(i.id, i.views) for i in merged] == [(i.id, i.views) for i in truth]
        for got, want in zip(merged, truth, strict=True):
            assert got.score == pytest.approx(want.score, abs=0.01)


@pytest.mark.parametrize("worlds", [1, 2], indirect=True)
async def test_ranks_in_a_section_count_every_shard(
    worlds: tuple[RankingShards, RankingStore],
) -> None:
    shards, oracle = worlds
    for n in range(0, 60, 7):
        aid = f"a{n:02d}"
        merged = await shards.article_stats(aid, NOW)
        truth = await oracle.article_stats(aid, NOW)
        if truth is None:
            assert merged is None
            continue
        assert merged is not None
        assert merged["rank_in_section"] == truth["rank_in_section"]
        assert (merged["views"], merged["windows"]) == (truth["views"], truth["windows"])
