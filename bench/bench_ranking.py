"""Ranking bench: views counted per second, Redis memory per view, and list query latency.

Runs on the local Redis under a unique prefix and deletes its keys at the end. Every loop reads
the same events from one stream (one consumer group each): ingest's payload, one field
`__data__` holding the ViewEvent as plain JSON (what `POST /v1/views` XADDs; FastStream reads
it too). Loops: (a) raw XREADGROUP + ViewEvent parse + one XACK per batch, no counting;
(b) FastStream 0.7.8's batch subscriber (max_records=1000), no counting; (c) the same raw read
loop feeding `RankingStore.count_views` with every counter on, `--inflight` batches at once
(each on its own connection, so Redis runs one batch's script while Python decodes the next).

    .venv/bin/python bench/bench_ranking.py                    # ~2-3 minutes
    .venv/bin/python bench/bench_ranking.py --memory-views 10000000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import orjson
import redis.asyncio as aioredis
from faststream.redis import RedisBroker, StreamSub

from services.ranking.store import RankingParams, RankingStore
from shared.keys import Keys
from shared.models import Article, EnrichedArticle, Entity, Tags, Topic, ViewEvent

URL = "redis://127.0.0.1:6379/0"
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
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; +https://openai.com/gptbot)",
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
        entities.append(Entity(type=kind, name=name, text=name, start=0, end=1))  # type: ignore[arg-type]
    topics = [
        Topic(code=f"medtop:{int(120 * rng.random() ** 2):08d}", label="topic", score=0.8)
        for _ in range(rng.randint(1, 3))
    ]
    aid = f"{n:020x}"
    return EnrichedArticle(
        event_id=aid,
        id=aid,
        producer="bench",
        received_at=datetime.now(UTC),
        enricher_version="bench",
        content_hash=aid,
        article=Article(
            guid=aid,
            headline=f"Bench headline number {n} about something newsworthy today",
            section=rng.choice(SECTIONS),
            url=f"https://news.example.com/articles/{aid}",
        ),
        tags=Tags(entities=entities, topics=topics),
    )


async def load_articles(store: RankingStore, count: int) -> None:
    rng = random.Random(7)
    for start in range(0, count, 500):
        batch = [make_article(n, rng) for n in range(start, min(count, start + 500))]
        await asyncio.gather(*(store.upsert_article(a) for a in batch))


def make_payloads(count: int, articles: int, seed: int) -> list[bytes]:
    """Zipf (weight 1/rank) over articles; 3% bots; readers from a 300k pool; ts = now."""
    rng = random.Random(seed)
    cum, total = [], 0.0
    for rank in range(1, articles + 1):
        total += 1.0 / rank
        cum.append(total)
    picks = rng.choices(range(articles), cum_weights=cum, k=count)
    ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    out = []
    for n, art in enumerate(picks):
        bot = rng.random() < 0.03
        doc = {
            "schema_version": 1,
            "event_id": f"{seed:04x}{n:028x}",
            "article_id": f"{art:020x}",
            "ts": ts,
            "reader_id": None if bot else f"reader-{rng.randrange(300_000)}",
            "user_agent": rng.choice(BOTS) if bot else rng.choice(BROWSERS),
            "referrer": "https://www.google.com/",
        }
        out.append(orjson.dumps(doc))
    return out


async def fill(r: aioredis.Redis, stream: str, payloads: list[bytes], groups: list[str]) -> None:
    for g in groups:
        await r.xgroup_create(stream, g, id="0", mkstream=True)
    for start in range(0, len(payloads), 2000):
        async with r.pipeline(transaction=False) as pipe:
            for data in payloads[start : start + 2000]:
                pipe.xadd(stream, {"__data__": data})
            await pipe.execute()


Consume = Callable[[list[tuple[str, ViewEvent]]], Awaitable[None]]


async def read_loop(
    r: aioredis.Redis, stream: str, group: str, total: int, consume: Consume, inflight: int
) -> float:
    """XREADGROUP COUNT 2000 in `inflight` tasks of one process; returns events per second."""
    done = 0

    async def worker(name: str) -> None:
        nonlocal done
        while done < total:
            resp = await r.xreadgroup(group, name, {stream: ">"}, count=2000, block=200)
            if not resp:
                continue
            rows = resp[0][1]
            batch = [(i.decode(), ViewEvent.model_validate_json(f[b"__data__"])) for i, f in rows]
            await consume(batch)
            done += len(batch)

    start = time.perf_counter()
    await asyncio.gather(*(worker(f"c{n}") for n in range(inflight)))
    return done / (time.perf_counter() - start)


async def raw_loop(r: aioredis.Redis, stream: str, group: str, total: int) -> float:
    async def ack(batch: list[tuple[str, ViewEvent]]) -> None:
        await r.xack(stream, group, *(i for i, _ in batch))

    return await read_loop(r, stream, group, total, ack, 1)


async def faststream_loop(stream: str, group: str, total: int) -> float:
    broker = RedisBroker(URL, logger=None)
    done = asyncio.Event()
    seen = 0

    @broker.subscriber(
        stream=StreamSub(stream, group=group, consumer="fs", batch=True, max_records=1000)
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


async def store_loop(
    r: aioredis.Redis, store: RankingStore, stream: str, group: str, total: int, inflight: int
) -> float:
    async def count(batch: list[tuple[str, ViewEvent]]) -> None:
        await store.count_views(stream, group, batch, datetime.now(UTC))

    return await read_loop(r, stream, group, total, count, inflight)


async def throughput(r: aioredis.Redis, args: argparse.Namespace, articles: int) -> list[str]:
    keys = Keys(f"bench{uuid.uuid4().hex[:8]}")
    store = RankingStore(r, keys, RankingParams(repeat_filter_bits_log2=args.bloom_bits))
    try:
        await load_articles(store, articles)
        payloads = make_payloads(args.views, articles, seed=articles)
        await fill(r, keys.views, payloads, ["raw", "fs", "store", "store1"])
        raw = await raw_loop(r, keys.views, "raw", args.views)
        fs = await faststream_loop(keys.views, "fs", args.views)
        one = await store_loop(r, store, keys.views, "store1", args.views // 2, 1)
        many = await store_loop(r, store, keys.views, "store", args.views, args.inflight)
    finally:
        await drop(r, keys)
    return [
        f"{articles:>7} | {raw:>9,.0f} | {fs:>9,.0f} | {one:>9,.0f} | "
        f"{many:>9,.0f} ({args.inflight}) | {many / raw:>5.2f}x"
    ]


async def memory_and_queries(r: aioredis.Redis, args: argparse.Namespace) -> list[str]:
    keys = Keys(f"bench{uuid.uuid4().hex[:8]}")
    store = RankingStore(r, keys, RankingParams(repeat_filter_bits_log2=args.bloom_bits))
    lines = []
    try:
        base = await used(r)
        await load_articles(store, 100_000)
        meta = await used(r) - base
        base = await used(r)
        left, seed = args.memory_views, 1000
        while left > 0:
            chunk = min(left, 500_000)
            await fill(r, keys.views, make_payloads(chunk, 100_000, seed), ["store"])
            await store_loop(r, store, keys.views, "store", chunk, args.inflight)
            await r.delete(keys.views)
            left, seed = left - chunk, seed + 1
        counters = await used(r) - base
        per = counters / args.memory_views
        lines.append(f"articles: 100,000 stored in {meta / 1e6:.1f} MB ({meta / 1e5:.0f} B each)")
        lines.append(
            f"views: {args.memory_views:,} counted over 100,000 articles: +{counters / 1e6:.1f} MB"
            f" ({per:.1f} B/view; per-article sets saturate, so do not scale this linearly:"
            " run --memory-views 10000000 for the 10M figure)"
        )
        lines += await query_latency(store, args.queries)
    finally:
        await drop(r, keys)
    return lines


async def query_latency(store: RankingStore, rounds: int) -> list[str]:
    now = datetime.now(UTC)
    top, trend = partial(store.top, now=now), partial(store.trending, now=now)
    cases: list[tuple[str, Callable[[], Awaitable[object]]]] = []
    for window in ("1h", "24h", "7d", "today", "week", "all"):
        cases.append(("ranking", partial(top, scope="site", window=window, limit=10)))
        for sec in ("section:World", "section:sports"):
            cases.append(("popular", partial(top, scope=sec, window=window, limit=5)))
    for kind in ("person", "topic"):
        cases.append(("trending", partial(trend, type=kind, window="24h", limit=10)))
    cold: list[float] = []
    samples: dict[str, list[float]] = {}
    for n in range(rounds):
        for name, call in cases:
            start = time.perf_counter()
            await call()
            took = (time.perf_counter() - start) * 1000
            (cold if n == 0 else samples.setdefault(name, [])).append(took)
    lines = [f"queries: first (cold cache) call max {max(cold):.1f} ms"]
    for name, got in [*samples.items(), ("all lists", [x for v in samples.values() for x in v])]:
        q = statistics.quantiles(got, n=100)
        lines.append(f"  {name:<10} n={len(got):>5}  p50 {q[49]:.2f} ms  p99 {q[98]:.2f} ms")
    return lines


async def used(r: aioredis.Redis) -> int:
    info = await r.info("memory")
    return int(info["used_memory"])


async def drop(r: aioredis.Redis, keys: Keys) -> None:
    batch = [k async for k in r.scan_iter(match=keys.all_pattern(), count=5000)]
    for start in range(0, len(batch), 5000):
        await r.delete(*batch[start : start + 5000])


async def main(args: argparse.Namespace) -> None:
    pool = aioredis.BlockingConnectionPool.from_url(URL, max_connections=32)
    r = aioredis.Redis(connection_pool=pool)
    print(f"views per run {args.views:,}; Zipf 1/rank; store batches in flight: {args.inflight}")
    print("articles | raw loop/s | faststream/s | store x1/s | store/s (inflight) | vs raw")
    for articles in [] if args.no_throughput else args.articles:
        for line in await throughput(r, args, articles):
            print(line, flush=True)
    for line in await memory_and_queries(r, args):
        print(line, flush=True)
    await r.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--views", type=int, default=300_000, help="events per throughput run")
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--inflight", type=int, default=2)
    parser.add_argument("--memory-views", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=60, help="rounds of every list query")
    parser.add_argument("--no-throughput", action="store_true", help="memory and queries only")
    parser.add_argument("--bloom-bits", type=int, default=26, help="repeat filter bits, log2")
    asyncio.run(main(parser.parse_args()))
