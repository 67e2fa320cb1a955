"""Lists held in memory: computed once, served as held, refreshed, killed articles out at
once, lists nobody asks for forgotten, a failed refresh keeps what was held."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import services.ranking.web.hot_lists as hot_lists
from services.ranking.consumers.articles import ArticlesHandler
from services.ranking.domain.results import RankedItem
from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.shards import RankingShards
from services.ranking.web.hot_lists import HotLists
from shared.consumer.entries import Delivery
from shared.consumer.handler import Batch
from tests.integration.ranking.conftest import Feed, article, view


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def views_now(feed: Feed, counts: dict[str, int], readers: str = "r") -> None:
    now = datetime.now(UTC)  # held lists are computed on the real clock, as served
    batch = [
        view(aid, reader=f"{readers}-{aid}-{k}", ts=now)
        for aid, n in counts.items()
        for k in range(n)
    ]
    await feed.views(batch, now)


def ids(items: list[RankedItem]) -> list[tuple[int, str, int]]:
    return [(item.rank, item.id, item.views) for item in items]


@pytest.fixture
async def three(store: RankingStore, feed: Feed) -> None:
    for aid in ("a1", "a2", "a3"):
        await store.upsert_article(article(aid, people=("Ada",)))
    await views_now(feed, {"a1": 3, "a2": 2, "a3": 1})


async def test_a_list_is_computed_once_then_served_as_held_until_refreshed(
    store: RankingStore, feed: Feed, three: None
) -> None:
    lists = HotLists(RankingShards([store], store.keys))
    first = await lists.top(scope="site", window="24h", limit=5)
    assert ids(first) == [(1, "a1", 3), (2, "a2", 2), (3, "a3", 1)]
    await views_now(feed, {"a3": 5}, readers="later")
    assert await lists.top(scope="site", window="24h", limit=5) == first  # held
    assert await lists.refresh() == 1
    after = await lists.top(scope="site", window="24h", limit=5)
    assert ids(after) == [(1, "a3", 6), (2, "a1", 3), (3, "a2", 2)]


async def test_a_killed_article_leaves_every_held_list_at_once(
    store: RankingStore, three: None
) -> None:
    lists = HotLists(RankingShards([store], store.keys))
    await lists.top(scope="site", window="24h", limit=5)
    await lists.top(scope="person:Ada", window="1h", limit=2)
    lists.drop_article("a1")
    site = await lists.top(scope="site", window="24h", limit=5)
    assert ids(site) == [(1, "a2", 2), (2, "a3", 1)]
    assert ids(await lists.top(scope="person:Ada", window="1h", limit=2)) == [(1, "a2", 2)]


async def test_lists_nobody_asks_for_are_forgotten(store: RankingStore, three: None) -> None:
    clock = Clock()
    lists = HotLists(RankingShards([store], store.keys), keep_s=60, clock=clock)
    await lists.top(scope="site", window="24h", limit=5)
    await lists.trending(type="person", window="1h", limit=3)
    clock.t += 30
    await lists.top(scope="site", window="24h", limit=5)  # asked again: kept
    clock.t += 45
    assert await lists.refresh() == 1  # trending was last asked 75 s ago
    clock.t += 61
    assert await lists.refresh() == 0


async def test_a_failed_refresh_keeps_what_was_held(store: RankingStore, three: None) -> None:
    class Failing(HotLists):
        fail = False

        def _compute(self, key: Any) -> Any:
            if self.fail:
                raise ConnectionError("redis went away")
            return super()._compute(key)

    lists = Failing(RankingShards([store], store.keys))
    held = await lists.top(scope="site", window="24h", limit=5)
    lists.fail = True
    assert await lists.refresh() == 0
    assert await lists.top(scope="site", window="24h", limit=5) == held


async def test_what_requests_can_make_it_hold_is_bounded(
    store: RankingStore, three: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hot_lists, "MAX_HELD", 3)
    clock = Clock()
    lists = HotLists(RankingShards([store], store.keys), clock=clock)
    for n in range(5):
        clock.t += 1
        await lists.top(scope=f"section:s{n}", window="24h", limit=5)
    assert await lists.refresh() == 3  # the three asked last


async def test_the_service_drops_an_article_it_sees_killed_from_held_lists(
    store: RankingStore, three: None
) -> None:
    lists = HotLists(RankingShards([store], store.keys))
    handler = ArticlesHandler(
        store, stream=store.keys.enriched, group="ranking", max_bytes=1 << 20,
        on_kill=lists.drop_article,
    )  # fmt: skip
    assert [i.id for i in await lists.top(scope="site", window="24h", limit=5)] == [
        "a1",
        "a2",
        "a3",
    ]
    killed = Delivery(b"1-1", article("a1", version=2, status="canceled"))
    assert await handler.handle([killed], Batch(fresh=None, deliveries=1)) == {}
    assert [i.id for i in await lists.top(scope="site", window="24h", limit=5)] == ["a2", "a3"]
