"""Random streams of articles, kills, views (some before their article) and folds, counted by
the real scripts on a real Redis and by a naive in-Python counter: every list must agree."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ranking.domain import windows as win
from services.ranking.domain.view_entries import View
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from shared.keys import Keys
from shared.models import ViewEvent
from tests.integration.ranking.conftest import GROUP, NOW, article, view

ARTICLES = ("a0", "a1", "a2", "a3")
SECTIONS = {"a0": "World", "a1": "World", "a2": "Business", "a3": "World"}
CLOCK = win.DayClock("Asia/Tokyo")

# ops: ("upsert", id) | ("kill", id) | ("views", [(id, minutes ago)]) | ("fold",)
views_op = st.tuples(
    st.just("views"),
    st.lists(st.tuples(st.sampled_from(ARTICLES), st.integers(0, 3 * 24 * 60)), max_size=25),
)
op = st.one_of(
    st.tuples(st.just("upsert"), st.sampled_from(ARTICLES)),
    st.tuples(st.just("kill"), st.sampled_from(ARTICLES)),
    views_op,
    st.just(("fold",)),
)


@dataclass
class Naive:
    """What the lists must say: a view counts, in its own minute, if its article was known
    (or arrived later) and was never killed."""

    live: set[str] = field(default_factory=set)
    killed: set[str] = field(default_factory=set)
    held: defaultdict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    counted: defaultdict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))

    def apply(self, step: tuple[object, ...]) -> None:
        kind = step[0]
        if kind == "upsert" and step[1] not in self.killed:
            aid = str(step[1])
            self.live.add(aid)
            self.counted[aid] += self.held.pop(aid, [])
        elif kind == "kill":
            aid = str(step[1])
            self.killed.add(aid)
            self.live.discard(aid)
            self.held.pop(aid, None)
            self.counted.pop(aid, None)
        elif kind == "views":
            for aid, ago in step[1]:  # type: ignore[attr-defined]
                ts = NOW - timedelta(minutes=ago)
                if aid in self.live:
                    self.counted[aid].append(ts)
                elif aid not in self.killed:
                    self.held[aid].append(ts)

    def window(self, name: str, section: str | None) -> dict[str, int]:
        now = CLOCK.now(NOW)
        out: Counter[str] = Counter()
        for aid, times in self.counted.items():
            if section and SECTIONS[aid] != section:
                continue
            out[aid] += sum(in_window(name, CLOCK.now(ts), now) for ts in times)
        return {aid: n for aid, n in out.items() if n}


def in_window(name: str, at: win.Now, now: win.Now) -> bool:
    if name == "all":
        return True
    if name in win.ROLLING:
        spec = win.ROLLING[name]
        return now.bucket(spec.level) - spec.span < at.bucket(spec.level) <= now.bucket(spec.level)
    if name == "week":
        return win.week_of(at.day) == win.week_of(now.day)
    return at.day == now.day - (1 if name == "yesterday" else 0)


async def replay(
    url: str, keys: Keys, steps: list[tuple[object, ...]]
) -> tuple[RankingStore, Naive]:
    client: aioredis.Redis = aioredis.Redis.from_url(url)
    await client.xgroup_create(keys.views, GROUP, id="0", mkstream=True)
    store = RankingStore(client, keys, RankingParams(reader_repeat_interval_s=0))
    naive = Naive()
    for step in steps:
        naive.apply(step)
        if step[0] == "upsert":
            aid = str(step[1])
            await store.upsert_article(article(aid, section=SECTIONS[aid]), NOW)
        elif step[0] == "kill":
            await store.upsert_article(article(str(step[1]), version=9, status="canceled"), NOW)
        elif step[0] == "fold":
            await store.fold(NOW)
        else:
            await count(client, store, keys, step[1])  # type: ignore[arg-type]
    await store.fold(NOW)
    return store, naive


async def count(
    client: aioredis.Redis, store: RankingStore, keys: Keys, batch: list[tuple[str, int]]
) -> None:
    if not batch:
        return
    for aid, ago in batch:
        event = view(aid, ts=NOW - timedelta(minutes=ago))
        await client.xadd(keys.views, {"__data__": event.model_dump_json()})
    reply = await client.xreadgroup(GROUP, "c1", {keys.views: ">"}, count=1000)
    rows = reply[0][1] if isinstance(reply, list) else next(iter(reply.values()))
    entries = [View.of(i, ViewEvent.model_validate_json(f[b"__data__"])) for i, f in rows]
    await store.count_views(keys.views, GROUP, entries, NOW)


async def lists_agree(store: RankingStore, naive: Naive) -> None:
    try:
        for name in win.WINDOWS:
            for scope, section in (("site", None), ("section:world", "World")):
                items = await store.top(scope=scope, window=name, limit=50, now=NOW)
                got = {i.id: i.views for i in items}
                assert got == naive.window(name, section), (name, scope)
                views = [i.views for i in items]
                assert views == sorted(views, reverse=True)
        for aid in ARTICLES:
            stats = await store.article_stats(aid, NOW)
            if aid in naive.live:
                assert stats is not None
                assert stats["views"] == len(naive.counted.get(aid, []))
            else:
                assert stats is None
    finally:
        await store.redis.aclose()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(op, max_size=12))
def test_every_list_matches_a_naive_counter(
    redis_url: str, steps: list[tuple[object, ...]]
) -> None:
    keys = Keys(f"prop{uuid.uuid4().hex[:10]}")

    async def scenario() -> None:
        store, naive = await replay(redis_url, keys, steps)
        await lists_agree(store, naive)

    try:
        asyncio.run(scenario())
    finally:
        cleanup(redis_url, keys)


def cleanup(url: str, keys: Keys) -> None:
    client = redis.Redis.from_url(url)
    found = list(client.scan_iter(match=keys.all_pattern(), count=1000))
    if found:
        client.delete(*found)
    client.close()
