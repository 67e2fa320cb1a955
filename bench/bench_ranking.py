"""Ranking bench: views counted per second, Redis memory per view, and list query latency.

Runs on the local Redis under a unique prefix and deletes its keys at the end. Every loop
reads the same events from one stream (one consumer group each): ingest's payload, one field
`__data__` holding the ViewEvent as plain JSON (what `POST /v1/views` XADDs). Loops:
(a) raw redis-py XREADGROUP + ViewEvent (pydantic) parse + one XACK per batch, the baseline
    the project started from; (b) the same with replies left unparsed and orjson only, the
    fastest a Python consumer reads; (c) FastStream 0.7's batch subscriber (max_records=1000);
(d) the ranking service's own views consumer (`StreamRunner` + `ViewsHandler` + `RankingStore`,
    every counter on: sections, entities, topics via the lists, unique readers, bot filter,
    repeat filter, exactly-once), timed until every entry is acked and every pending count folded.
Each loop reads 1,000,000 events a round (~5-10 s), since the service folds every 1-30 s
and its last fold of a run is timed too: a 3 s run weighs that fold and the first one
heavily (same code, same hour, 10k articles: 0.64x and 0.62x the raw loop at 300,000
events, 0.68x and 0.76x at 1,000,000).

    .venv/bin/python bench/bench_ranking.py                    # ~8 minutes
    .venv/bin/python bench/bench_ranking.py --no-throughput --memory-views 10000000 --spread-h 24
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson
import redis.asyncio as aioredis
import uvloop
from faststream.redis import RedisBroker, StreamSub

from newsdesk.runner import tune_gc
from services.ranking.app import VIEWS_INFLIGHT, VIEWS_READAHEAD
from services.ranking.consumers.folding import FoldLoop
from services.ranking.consumers.views import ViewOutcomes, ViewsHandler
from services.ranking.store.params import RankingParams
from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.shards import RankingShards
from services.ranking.web.hot_lists import HotLists
from shared.consumer.config import ConsumerConfig
from shared.consumer.runner import StreamRunner, raw_client
from shared.keys import Keys
from shared.logging import configure_logging
from shared.metrics import ServiceMetrics
from shared.models import Article, EnrichedArticle, Entity, Tags, Topic, ViewEvent
from shared.settings import Settings

URL = "redis://127.0.0.1:6379/0"
GROUPS = ["raw", "rawfast", "fs", "svc"]
SECTIONS = ["World", "Politics", "Business", "Tech", "Sports", "Culture", "Science", "Opinion"]
SECTIONS += ["Japan", "Asia", "Health", "Travel"]
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/{v}.0.0.0 Safari/537.36"
    for v in range(100, 130)
] + [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    f"(KHTML, like Gecko) Version/17.{v} Mobile/15E148 Safari/604.1"
    for v in range(10)
]
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
    "+https://openai.com/gptbot)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
]


def make_article(n: int, rng: random.Random) -> EnrichedArticle:
    """Tags like the enricher's: 1 section, 3-6 entities from skewed pools, 1-3 topics."""
    kinds = (("person", 3000), ("org", 1500), ("place", 1000))
    entities = []
    for _ in range(rng.randint(3, 6)):
        kind, pool = rng.choice(kinds)
        name = f"{kind}-{int(pool * rng.random() ** 2)}"
        entities.append(Entity(type=kind, name=name, text=name, start=0, end=1))
    topics = [
        Topic(code=f"medtop:{int(120 * rng.random() ** 2):08d}", label="topic", score=0.8)
        for _ in range(rng.randint(1, 3))
    ]
    aid = f"{n:020x}"
    article = Article(
        guid=aid,
        headline=f"Bench headline number {n} about something newsworthy today",
        section=rng.choice(SECTIONS),
        url=f"https://news.example.com/articles/{aid}",
    )
    return EnrichedArticle(
        event_id=aid, id=aid, producer="bench", received_at=datetime.now(UTC),
        enricher_version="bench", content_hash=aid, article=article,
        tags=Tags(entities=entities, topics=topics),
    )  # fmt: skip


async def load_articles(store: RankingStore, count: int) -> None:
    rng = random.Random(7)
    for start in range(0, count, 500):
        batch = [make_article(n, rng) for n in range(start, min(count, start + 500))]
        await asyncio.gather(*(store.upsert_article(a) for a in batch))


async def load_articles_into(shards: RankingShards, count: int) -> None:
    """The same articles as `load_articles`, each in its shard's store."""
    rng = random.Random(7)
    for start in range(0, count, 50):  # 50 at once: a pool's connections are bounded
        batch = [make_article(n, rng) for n in range(start, min(count, start + 50))]
        await asyncio.gather(*(shards.store_for(a.id).upsert_article(a) for a in batch))


def make_payloads(count: int, articles: int, seed: int, spread_s: float = 0) -> list[bytes]:
    """Zipf (weight 1/rank) over articles; 3% bots; readers from a 300k pool; ts = now, or
    uniform over the last `spread_s` seconds (a day of traffic landing in its buckets)."""
    rng = random.Random(seed)
    cum, total = [], 0.0
    for rank in range(1, articles + 1):
        total += 1.0 / rank
        cum.append(total)
    picks = rng.choices(range(articles), cum_weights=cum, k=count)
    now = datetime.now(UTC).timestamp()
    out = []
    for n, art in enumerate(picks):
        bot = rng.random() < 0.03
        ts = now - rng.random() * spread_s if spread_s else now
        doc = {
            "schema_version": 1,
            "event_id": f"{seed:04x}{n:028x}",
            "article_id": f"{art:020x}",
            "ts": datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z"),
            "reader_id": None if bot else f"reader-{rng.randrange(300_000)}",
            "user_agent": rng.choice(BOTS) if bot else rng.choice(BROWSERS),
            "referrer": "https://www.google.com/",
        }
        out.append(orjson.dumps(doc))
    return out


async def fill(r: aioredis.Redis, stream: str, payloads: list[bytes], groups: list[str]) -> None:
    for g in groups:
        if not await r.exists(stream) or g not in await group_names(r, stream):
            await r.xgroup_create(stream, g, id="0", mkstream=True)
    for start in range(0, len(payloads), 2000):
        async with r.pipeline(transaction=False) as pipe:
            for data in payloads[start : start + 2000]:
                pipe.xadd(stream, {"__data__": data})
            await pipe.execute()


async def group_names(r: aioredis.Redis, stream: str) -> set[str]:
    return {g["name"].decode() for g in await r.xinfo_groups(stream)}


# the loops ------------------------------------------------------------------------------
async def raw_loop(r: aioredis.Redis, stream: str, total: int, *, fast: bool) -> float:
    """XREADGROUP COUNT 1000 + decode + one XACK per batch; returns events per second."""
    # fast: replies left unparsed, as the service's runner reads them (raw_client)
    client = raw_client(r) if fast else aioredis.Redis(connection_pool=r.connection_pool)
    group, done = ("rawfast" if fast else "raw"), 0
    start = time.perf_counter()
    while done < total:
        resp: Any = await client.xreadgroup(group, "c", {stream: ">"}, count=1000, block=200)
        if not resp:
            continue
        if fast:
            rows = next(iter(resp.values())) if isinstance(resp, dict) else resp[0][1]
            docs = [orjson.loads(fields[1]) for _, fields in rows]
        else:
            rows = resp[0][1]
            docs = [ViewEvent.model_validate_json(f[b"__data__"]) for _, f in rows]
        await client.xack(stream, group, *(i for i, _ in rows))
        done += len(docs)
    return done / (time.perf_counter() - start)


async def faststream_loop(stream: str, total: int) -> float:
    # None turns FastStream's logging off (make_logger_storage); the annotation omits None.
    broker = RedisBroker(URL, logger=None)  # type: ignore[arg-type]
    done = asyncio.Event()
    seen = 0

    @broker.subscriber(
        stream=StreamSub(stream, group="fs", consumer="fs", batch=True, max_records=1000)
    )
    async def on_views(views: list[ViewEvent]) -> None:
        nonlocal seen
        seen += len(views)
        if seen >= total:
            done.set()

    start = time.perf_counter()
    await broker.start()
    await done.wait()
    rate = seen / (time.perf_counter() - start)
    await broker.stop()
    return rate


class ServiceViews:
    """The views runner and fold loop exactly as services/ranking/app.py builds them."""

    def __init__(
        self, r: aioredis.Redis, store: RankingStore, stream: str, batch_size: int
    ) -> None:
        metrics = ServiceMetrics("bench")
        config = ConsumerConfig(
            stream=stream, group="svc", consumer="bench", service="bench",
            batch_size=batch_size, block_ms=100, readahead=VIEWS_READAHEAD,
            inflight=VIEWS_INFLIGHT,
        )  # fmt: skip
        handler = ViewsHandler(
            store, ViewOutcomes(metrics), stream=stream, group="svc",
            max_bytes=config.max_entry_bytes,
        )  # fmt: skip
        self.runner = StreamRunner(config, r, metrics, handler)
        self.folds = FoldLoop(store, interval_s=store.params.fold_interval_s)

    async def start(self) -> None:
        await self.runner.start()
        await self.folds.start()

    async def stop(self) -> None:
        await self.runner.stop()
        await self.folds.stop()


async def service_loop(
    r: aioredis.Redis,
    store: RankingStore,
    stream: str,
    total: int,
    batch_size: int,
    during: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> tuple[float, float]:
    """Runs the service's loop until `total` more entries are acked, then stops it, which
    folds what is pending. Returns (rate until all were acked and counted, rate until the
    lists hold them too): a running service folds at its own pace, so the first is its
    steady rate and the second adds one last fold of everything still pending."""
    consumer = ServiceViews(r, store, stream, batch_size)
    start_read = await entries_read(r, stream)
    start = time.perf_counter()
    await consumer.start()
    side = asyncio.create_task(during()) if during else None
    while True:
        info = await group_info(r, stream, "svc")
        if info["entries-read"] - start_read >= total and info["pending"] == 0:
            break
        await asyncio.sleep(0.02)
    acked = time.perf_counter() - start
    await consumer.stop()  # finishes in-flight batches and folds what is pending
    folded = time.perf_counter() - start
    if side:
        side.cancel()
    return total / acked, total / folded


async def group_info(r: aioredis.Redis, stream: str, group: str) -> dict[str, int]:
    for info in await r.xinfo_groups(stream):
        if info["name"].decode() == group:
            return {"entries-read": int(info["entries-read"] or 0), "pending": info["pending"]}
    return {"entries-read": 0, "pending": 0}


async def entries_read(r: aioredis.Redis, stream: str) -> int:
    if not await r.exists(stream):
        return 0
    return (await group_info(r, stream, "svc"))["entries-read"]


async def throughput(r: aioredis.Redis, args: argparse.Namespace, articles: int) -> str:
    """`args.rounds` rounds, each every loop over a fresh stream of the same events, back to
    back: this machine's speed drifts by ±30% over minutes, so each figure is the median
    of its rounds and the ratio the median of each round's own ratio."""
    keys = Keys(f"bench{uuid.uuid4().hex[:8]}")
    params = RankingParams(
        repeat_filter_bits_log2=args.bloom_bits, reader_repeat_interval_s=args.repeat_s
    )
    store = RankingStore(r, keys, params)
    rounds: list[tuple[float, float, float, float, float]] = []
    try:
        await load_articles(store, articles)
        for n in range(args.rounds):
            payloads = make_payloads(args.views, articles, seed=articles + n)
            await reset_counts(r, keys)  # every round starts from the same state
            await fill(r, keys.views, payloads, GROUPS)
            raw = await raw_loop(r, keys.views, args.views, fast=False)
            fast = await raw_loop(r, keys.views, args.views, fast=True)
            fs = await faststream_loop(keys.views, args.views)
            svc_acked, svc = await service_loop(r, store, keys.views, args.views, args.batch_size)
            rounds.append((raw, fast, fs, svc, svc_acked))
    finally:
        await drop(r, keys)
    raw, fast, fs, svc, acked = (statistics.median(col) for col in zip(*rounds, strict=True))
    vs_raw = statistics.median(x[3] / x[0] for x in rounds)
    vs_fast = statistics.median(x[3] / x[1] for x in rounds)
    acked_vs_raw = statistics.median(x[4] / x[0] for x in rounds)
    spread = " ".join(f"{x[3] / x[0]:.2f}" for x in rounds)
    return (
        f"{articles:>9,} | {raw:>14,.0f} | {fast:>12,.0f} | {fs:>12,.0f} | {svc:>9,.0f} | "
        f"{vs_raw:.2f}x pydantic (rounds {spread}), {vs_fast:.2f}x orjson | "
        f"{acked:,.0f}/s {acked_vs_raw:.2f}x"
    )


# memory and queries ---------------------------------------------------------------------
async def memory_and_queries(r: aioredis.Redis, args: argparse.Namespace) -> list[str]:
    keys = Keys(f"bench{uuid.uuid4().hex[:8]}")
    params = RankingParams(
        repeat_filter_bits_log2=args.bloom_bits, reader_repeat_interval_s=args.repeat_s
    )
    store = RankingStore(r, keys, params)
    lists = HotLists(RankingShards([store], keys))  # refreshed every second, as served
    cases = query_cases(store, lists)
    under_load: dict[str, list[float]] = {}
    first_under_load: dict[str, list[float]] = {}
    try:
        await lists.start()
        await load_articles(store, 100_000)
        articles = await families(r, keys)
        left, seed, rate = args.memory_views, 1000, 0.0
        while left > 0:
            chunk = min(left, 500_000)
            payloads = make_payloads(chunk, 100_000, seed, args.spread_h * 3600)
            await fill(r, keys.views, payloads, ["svc"])
            last = left == chunk
            probe = (lambda: query_loop(cases, under_load, first_under_load)) if last else None
            _, rate = await service_loop(r, store, keys.views, chunk, args.batch_size, probe)
            await r.delete(keys.views)
            left, seed = left - chunk, seed + 1
        views = await families(r, keys)
        idle = await query_latency(store, cases, args.queries)
        await lists.stop()
        await store.wait_for_refreshes()
    finally:
        await drop(r, keys)
    counters = {k: v - articles.get(k, 0) for k, v in views.items() if v > articles.get(k, 0)}
    total = sum(counters.values())
    spread = f", ts spread over {args.spread_h:g} h" if args.spread_h else ", ts = now"
    lines = [
        f"memory: {args.memory_views:,} views over 100,000 articles{spread} "
        f"(last chunk counted at {rate:,.0f}/s)",
        f"  view counters: {total / 1e6:.1f} MB measured (MEMORY USAGE of every key)  "
        + "  ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(counters.items(), key=lambda x: -x[1])),
        f"  article data:  {sum(articles.values()) / 1e6:.1f} MB for 100,000 articles  "
        + "  ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(articles.items(), key=lambda x: -x[1])),
    ]
    firsts = "  ".join(f"{k} max {max(v):.1f} ms" for k, v in first_under_load.items())
    loaded = summarize("queries while counting (same process)", under_load)
    first = f"  first call of each list (computed in the request, as after a restart): {firsts}"
    return [*lines, *loaded, first, *idle]


async def families(r: aioredis.Redis, keys: Keys) -> dict[str, int]:
    """Bytes per key family (`ranking:<family>:...`), from MEMORY USAGE of every key."""
    names = [k async for k in r.scan_iter(match=keys.ranking("*"), count=5000)]
    out: Counter[str] = Counter()
    for start in range(0, len(names), 2000):
        chunk = names[start : start + 2000]
        async with r.pipeline(transaction=False) as pipe:
            for name in chunk:
                pipe.memory_usage(name, samples=0)
            sizes = await pipe.execute()
        for name, size in zip(chunk, sizes, strict=True):
            out[name.decode().split(":")[2]] += int(size or 0)
    return dict(out)


Case = tuple[str, Callable[[], Awaitable[object]]]


def query_cases(store: RankingStore, lists: HotLists) -> list[Case]:
    """Each list twice: computed by the store's script ('redis ...', the Redis cost) and as
    the HTTP routes serve it, from the lists held in memory ('served ...')."""
    cases: list[Case] = []

    def now() -> datetime:
        return datetime.now(UTC)

    def redis_top(window: str, scope: str, n: int) -> Callable[[], Awaitable[object]]:
        return lambda: store.top(scope=scope, window=window, limit=n, now=now())

    def redis_trending(kind: str) -> Callable[[], Awaitable[object]]:
        return lambda: store.trending(type=kind, window="24h", limit=10, now=now())

    for window in ("1h", "24h", "7d", "today", "week", "all"):
        scopes = ("site", "section:World", "section:sports", "person:person-1",
                  "topic:medtop:00000003")  # fmt: skip
        for scope in scopes:
            name, n = ("ranking", 10) if scope == "site" else ("popular", 5)
            cases.append((f"redis {name}", redis_top(window, scope, n)))
            cases.append(
                (f"served {name}", partial(lists.top, scope=scope, window=window, limit=n))
            )
    for kind in ("person", "topic"):
        cases.append(("redis trending", redis_trending(kind)))
        cases.append(
            ("served trending", partial(lists.trending, type=kind, window="24h", limit=10))
        )
    return cases


async def timed(samples: dict[str, list[float]], name: str, call: Any) -> None:
    """From a request's arrival: the event loop's turn (counting shares it), then the call."""
    start = time.perf_counter()
    await asyncio.sleep(0)
    await call()
    samples.setdefault(name, []).append((time.perf_counter() - start) * 1000)


async def query_loop(
    cases: list[Case], samples: dict[str, list[float]], first: dict[str, list[float]]
) -> None:
    """Every list every ~0.6 s; each list's first call (computed inline, as after a restart)
    goes to `first`."""
    for name, call in cases:
        await timed(first, name, call)
    while True:
        for name, call in cases:
            await timed(samples, name, call)
            await asyncio.sleep(0.02)


async def query_latency(store: RankingStore, cases: list[Case], rounds: int) -> list[str]:
    """Every list, `rounds` times over > 2 cache lifetimes, so stale entries and their
    background refreshes are part of it (each list was first computed under load)."""
    samples: dict[str, list[float]] = {}
    pause = 2.5 * store.params.cache_ttl_s / max(rounds, 1)
    for _ in range(rounds):
        for name, call in cases:
            await timed(samples, name, call)
        await asyncio.sleep(pause)
    return summarize("queries, idle (stale entries refreshed in the background)", samples)


def summarize(title: str, samples: dict[str, list[float]]) -> list[str]:
    lines = [title + ":"]
    merged: dict[str, list[float]] = {}
    for name, got in samples.items():
        merged.setdefault(f"{name.split()[0]} all lists", []).extend(got)
    for name, got in sorted(samples.items()) + sorted(merged.items()):
        if len(got) < 2:
            continue
        q = statistics.quantiles(got, n=100, method="inclusive")  # exclusive passes max
        lines.append(
            f"  {name:<18} n={len(got):>5}  p50 {q[49]:.2f} ms  p99 {q[98]:.2f} ms"
            f"  max {max(got):.1f} ms"
        )
    return lines


ARTICLE_FAMILIES = {"art", "mem", "live", "topics"}


async def reset_counts(r: aioredis.Redis, keys: Keys) -> None:
    """Deletes the views stream and every counter, keeping what ranking knows of articles."""
    names = [k async for k in r.scan_iter(match=keys.ranking("*"), count=5000)]
    doomed = [k for k in names if k.decode().split(":")[2] not in ARTICLE_FAMILIES]
    for start in range(0, len(doomed), 5000):
        await r.delete(*doomed[start : start + 5000])
    await r.delete(keys.views)


async def drop(r: aioredis.Redis, keys: Keys) -> None:
    batch = [k async for k in r.scan_iter(match=keys.all_pattern(), count=5000)]
    for start in range(0, len(batch), 5000):
        await r.delete(*batch[start : start + 5000])


def service_logs_to_devnull() -> None:
    """The service logs one JSON line per batch; the bench keeps that cost, not the output."""
    configure_logging("INFO", "json")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the bench


async def main(args: argparse.Namespace) -> None:
    pool = aioredis.BlockingConnectionPool.from_url(URL, max_connections=64)
    r = aioredis.Redis(connection_pool=pool)
    repeat = f"repeat filter {args.repeat_s} s" if args.repeat_s else "repeat filter OFF"
    print(f"views per run {args.views:,}; Zipf 1/rank; {repeat}, 2^{args.bloom_bits} bits/slot;"
          f" {args.batch_size:,} views a count script")  # fmt: skip
    print(f"throughput: median of {args.rounds} rounds, every loop over the same events a round")
    print(" articles | raw pydantic/s | raw orjson/s | faststream/s | ranking/s | vs raw"
          " | ranking until acked (lists still to fold), vs raw pydantic")  # fmt: skip
    for articles in [] if args.no_throughput else args.articles:
        print(await throughput(r, args, articles), flush=True)
    for line in await memory_and_queries(r, args):
        print(line, flush=True)
    await r.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--views", type=int, default=1_000_000, help="events per loop and round")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds (medians)")
    parser.add_argument("--batch-size", type=int, default=Settings().views_batch_size,
                        help="views per count script (default: the service's)")  # fmt: skip
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--memory-views", type=int, default=1_000_000)
    parser.add_argument("--spread-h", type=float, default=0, help="memory run: ts over N hours")
    parser.add_argument("--queries", type=int, default=40, help="rounds of every list query")
    parser.add_argument("--no-throughput", action="store_true", help="memory and queries only")
    parser.add_argument("--bloom-bits", type=int, default=26, help="repeat filter bits, log2")
    parser.add_argument("--repeat-s", type=int, default=1800, help="0 turns the filter off")
    service_logs_to_devnull()
    tune_gc()  # as the service process does (newsdesk.runner); every loop here runs with it
    uvloop.run(main(parser.parse_args()))
