"""The measured phases, through the running system: throughput from POST to articles.enriched
and to ranking, latency at a paced rate, and views posted right after their article."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

from bench.pipeline.client import (
    ArrivalWatcher,
    Producer,
    stream_times,
    wait_drained,
)
from bench.pipeline.observe import (
    MemoryWatch,
    command_stats,
    enricher_durations,
    redis_forks,
    redis_per_article,
    rewrite_windows,
    views_outcomes,
)
from bench.pipeline.stats import (
    decile_rates,
    edge_rates,
    edges,
    median_or_none,
    percentiles,
    rate,
    split_by_windows,
)
from bench.pipeline.system import System
from shared.keys import GROUP_ENRICHER, GROUP_RANKING

# A rewrite's backlog drains within about this long after it ends at 200 articles/s here.
REWRITE_AFTER_S = 1.0


@dataclass
class Context:
    system: System
    redis: aioredis.Redis
    producer: Producer
    watcher: ArrivalWatcher
    memory: MemoryWatch
    run: str
    timeout_s: float
    edge: int = 100
    fresh_index: bool = True
    notes: list[str] = field(default_factory=list)


async def post_in_batches(
    producer: Producer, articles: list[dict[str, Any]], batch: int, in_flight: int
) -> tuple[list[str], float, float]:
    """Ids in order, and when the first POST went out and the last 202 came back (Unix s)."""
    chunks = [articles[i : i + batch] for i in range(0, len(articles), batch)]
    ids: list[list[str]] = [[] for _ in chunks]
    queue = iter(enumerate(chunks))

    async def worker() -> None:
        for n, chunk in queue:
            ids[n] = await producer.post_articles(chunk)

    start = time.time()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return [i for part in ids for i in part], start, time.time()


async def settle(ctx: Context) -> None:
    """Each phase starts with nothing left in flight from the one before and, unless told
    otherwise, an empty story index: today every article already indexed can cost a later
    one a round trip, so a phase would otherwise measure the ones before it too."""
    keys = ctx.system.keys
    await wait_drained(ctx.redis, keys.raw, GROUP_ENRICHER, ctx.timeout_s)
    await wait_drained(ctx.redis, keys.enriched, GROUP_RANKING, ctx.timeout_s)
    if ctx.fresh_index:
        patterns = (keys.story_bucket("*"), keys.story_sample("*"), keys.story("*"))
        for pattern in patterns:
            doomed = [k async for k in ctx.redis.scan_iter(match=pattern, count=5000)]
            for i in range(0, len(doomed), 5000):
                await ctx.redis.delete(*doomed[i : i + 5000])


async def abandon_backlog(ctx: Context) -> None:
    """A phase that timed out leaves a backlog that would slow every later phase: the
    enricher is killed, its group skips past what is left and forgets what it held, and a
    fresh enricher starts."""
    raw = ctx.system.keys.raw
    ctx.memory.sample()
    ctx.system.stall("enricher", "sigkill")
    await ctx.redis.xgroup_setid(raw, GROUP_ENRICHER, "$")
    for consumer in await ctx.redis.xinfo_consumers(raw, GROUP_ENRICHER):
        await ctx.redis.xgroup_delconsumer(raw, GROUP_ENRICHER, consumer["name"])
    await asyncio.to_thread(ctx.system.resume, "enricher", "sigkill")
    ctx.notes.append("a phase timed out: its backlog was dropped and the enricher restarted")


def cpu_per_article(
    before: dict[str, float], after: dict[str, float], count: int
) -> dict[str, float]:
    """CPU ms each process spent per article of the phase (a process restarted meanwhile
    is left out: its counter started again)."""
    return {
        name: (after[name] - before[name]) * 1000 / count
        for name in after
        if name in before and after[name] >= before[name] and count
    }


def _arrivals(ids: list[str], times: dict[str, float], start: float) -> dict[str, Any]:
    got = sorted(times[i] for i in ids if i in times)
    last = got[-1] - start if got else 0.0
    return {"count": len(got), "seconds": last, "rate": rate(len(got), last)}


async def throughput(
    ctx: Context, articles: list[dict[str, Any]], *, batch: int, in_flight: int
) -> dict[str, Any]:
    """Every article POSTed in batches as fast as ingest takes them; rates are articles over
    the time from the first POST to the last one reaching articles.enriched, and ranking."""
    await settle(ctx)
    since, cpu = time.time(), ctx.system.cpu()
    ids, start, posted = await post_in_batches(ctx.producer, articles, batch, in_flight)
    drained = await ctx.watcher.wait_for(ids, ctx.timeout_s)
    cpu_ms = cpu_per_article(cpu, ctx.system.cpu(), len(ids))
    enriched_at = await stream_times(ctx.redis, ctx.system.keys.enriched, since)
    enriched = _arrivals(ids, enriched_at, start)
    times = [enriched_at[i] for i in ids if i in enriched_at]
    enriched["first_rate"], enriched["last_rate"] = edge_rates(times, ctx.edge)
    enriched["decile_rates"] = decile_rates(times)
    wanted = set(ids)
    in_order = sorted((t, i) for i, t in enriched_at.items() if i in wanted)
    spent = enricher_durations(ctx.system.root / "enricher.log", [i for _, i in in_order])
    first, last = edges(spent, ctx.edge)
    if not drained:
        await abandon_backlog(ctx)
    return {
        "articles": len(articles),
        "drained": drained,
        "ids": ids,
        "ingest": {"seconds": posted - start, "rate": rate(len(ids), posted - start)},
        "enriched": enriched,
        "ranked": _arrivals(ids, ctx.watcher.seen, start),
        "cpu_ms_per_article": cpu_ms,
        "enricher_ms": {
            "first": median_or_none(first),
            "last": median_or_none(last),
            **percentiles(spent),
        },
    }


@dataclass
class Sent:
    """When each paced POST went out (Unix s), how long its 202 took, how late it left."""

    at: dict[str, float] = field(default_factory=dict)
    acked_s: list[float] = field(default_factory=list)
    late_s: list[float] = field(default_factory=list)


async def send_paced(producer: Producer, articles: list[dict[str, Any]], per_s: float) -> Sent:
    """One article per POST on a fixed schedule, open loop: a slow answer delays nothing."""
    sent = Sent()

    async def one(article: dict[str, Any]) -> None:
        at = time.time()
        (article_id,) = await producer.post_articles([article])
        sent.acked_s.append(time.time() - at)
        sent.at[article_id] = at

    clock, tasks = time.perf_counter(), []
    for n, article in enumerate(articles):
        due = clock + n / per_s
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        sent.late_s.append(time.perf_counter() - due)
        tasks.append(asyncio.create_task(one(article)))
    await asyncio.gather(*tasks)
    return sent


async def paced(ctx: Context, articles: list[dict[str, Any]], per_s: float) -> dict[str, Any]:
    """Latency from sending the POST to ranking storing the article, which is when
    GET /v1/articles/{id} starts answering 200, and on each hop between."""
    await settle(ctx)
    since, cpu, commands = time.time(), ctx.system.cpu(), await command_stats(ctx.redis)
    forks = await redis_forks(ctx.redis)
    rewrites_done = asyncio.Event()
    rewrites = asyncio.create_task(rewrite_windows(ctx.redis, rewrites_done))
    sent = await send_paced(ctx.producer, articles, per_s)
    drained = await ctx.watcher.wait_for(sent.at, ctx.timeout_s)
    rewrites_done.set()
    windows = await rewrites
    forked = await redis_forks(ctx.redis)
    cpu_ms = cpu_per_article(cpu, ctx.system.cpu(), len(sent.at))
    redis_usec = redis_per_article(commands, await command_stats(ctx.redis), len(sent.at))
    raw_at = await stream_times(ctx.redis, ctx.system.keys.raw, since)
    enriched_at = await stream_times(ctx.redis, ctx.system.keys.enriched, since)
    seen = ctx.watcher.seen
    if not drained:
        await abandon_backlog(ctx)

    def hop(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
        return percentiles([(b[i] - a[i]) * 1000 for i in sent.at if i in a and i in b])

    first = min(sent.at.values())
    e2e = {i: (seen[i] - sent.at[i]) * 1000 for i in sent.at if i in seen}
    near, away = split_by_windows(sent.at, e2e, windows, REWRITE_AFTER_S)
    return {
        "articles": len(articles),
        "target_rate": per_s,
        "sent_rate": rate(len(sent.at) - 1, max(sent.at.values()) - first),
        "schedule_lag_ms": percentiles([x * 1000 for x in sent.late_s]),
        "drained": drained,
        "ranked": sum(1 for i in sent.at if i in seen),
        # What the system kept up with: below the target rate the backlog, not the path, is
        # most of the latency.
        "ranked_rate": _arrivals(list(sent.at), seen, first)["rate"],
        "post_202_ms": percentiles([x * 1000 for x in sent.acked_s]),
        "cpu_ms_per_article": cpu_ms,
        "redis_usec_per_article": redis_usec,
        "redis_forks": forked["forks"] - forks["forks"],
        "redis_last_fork_ms": forked["fork_usec"] / 1000,
        "e2e_ms": hop(sent.at, seen),
        # The tail's share that Redis's AOF rewrites make: articles POSTed during one or in
        # the REWRITE_AFTER_S after it, and the others.
        "aof_rewrites_s": [[start - first, end - first] for start, end in windows],
        "e2e_near_rewrites_ms": percentiles(near) | {"articles": len(near)},
        "e2e_away_from_rewrites_ms": percentiles(away) | {"articles": len(away)},
        "hops_ms": {
            "post_to_raw": hop(sent.at, raw_at),
            "raw_to_enriched": hop(raw_at, enriched_at),
            "enriched_to_ranked": hop(enriched_at, seen),
        },
    }


async def views_race(
    ctx: Context,
    articles: list[dict[str, Any]],
    views_each: int,
    stall: tuple[str, float] | None = None,
) -> dict[str, Any]:
    """Each article POSTed alone and its views POSTed the moment its 202 arrives, as a site
    does with a breaking story; with `stall`, the enricher is down (mode, seconds) meanwhile.
    Counted: the `views` GET /v1/articles/{id} reports once everything settled."""
    await settle(ctx)
    before = await views_outcomes(ctx.system.url("ranking", "/metrics"))
    if stall is not None:
        ctx.memory.sample()
        ctx.system.stall("enricher", stall[0])
    stalled_at = time.monotonic()
    ids: list[str] = []
    accepted = 0
    for article in articles:
        (article_id,) = await ctx.producer.post_articles([article])
        accepted += await ctx.producer.post_views(article_id, views_each, ctx.run)
        ids.append(article_id)
    posting_s = time.monotonic() - stalled_at
    if stall is not None:
        await asyncio.sleep(max(0.0, stalled_at + stall[1] - time.monotonic()))
        await asyncio.to_thread(ctx.system.resume, "enricher", stall[0])
    ranked = await ctx.watcher.wait_for(ids, ctx.timeout_s)
    await wait_drained(ctx.redis, ctx.system.keys.views, GROUP_RANKING, ctx.timeout_s)
    counted = [await ctx.producer.article_views(i) for i in ids]
    after = await views_outcomes(ctx.system.url("ranking", "/metrics"))
    sent = len(ids) * views_each
    return {
        "articles": len(ids),
        "views_sent": sent,
        "views_accepted": accepted,
        "views_counted": sum(counted),
        "counted_share": sum(counted) / sent if sent else None,
        "articles_fully_counted": sum(1 for c in counted if c == views_each),
        "all_ranked": ranked,
        "posting_s": posting_s,
        "stall": {"mode": stall[0], "seconds": stall[1]} if stall else None,
        "ranking_outcomes": {k: after.get(k, 0) - before.get(k, 0) for k in after},
    }
