"""The whole system, through its services: articles/s from POST to articles.enriched and to
ranking, latency at a paced rate, views racing their article, RSS; with same-run baselines.

Starts a private redis-server and the three services as processes on free ports (a unique
key prefix, a producer key, production settings otherwise), posts ~1.5 KB English articles
over HTTP as a producer would, and measures, in one run:
  - distinct stories, and a burst of near-duplicates of one story (new headline, a sentence
    or two and a number changed per copy): articles/s to articles.enriched and to ranking
    (its article key, what GET /v1/articles/{id} reads), over the first and last 100;
  - the offline tagger (tag_article + MemoryStoryIndex) and raw redis-py XADD/XREADGROUP/XACK
    on the same articles and Redis;
  - POST -> visible in GET /v1/articles/{id} at one or more paced rates (p50/p95/p99/max,
    per hop, CPU per article of every process): the highest is the headline figure, the
    others show where latency leaves its budget on this machine;
  - views POSTed right after their article's 202, with the enricher running and stopped;
  - VmHWM/VmRSS of every process.
Prints a table and writes build/bench/pipeline.json.

    .venv/bin/python bench/bench_pipeline.py            # the issue's sizes (long on slow code)
    .venv/bin/python bench/bench_pipeline.py --quick    # every phase small, < 1 minute
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pipeline import baselines, corpus, phases, report  # noqa: E402
from bench.pipeline.client import ArrivalWatcher, Producer  # noqa: E402
from bench.pipeline.observe import MemoryWatch  # noqa: E402
from bench.pipeline.sampling import Sampler  # noqa: E402
from bench.pipeline.system import System  # noqa: E402
from newsdesk.runner import tune_gc  # noqa: E402
from services.enricher.taggers import compiled  # noqa: E402

QUICK = {
    "distinct": 200,
    "burst": 100,
    "paced_seconds": 2.0,
    "views_articles": 20,
    "stall_s": 5.0,
    "timeout": 60.0,
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--distinct", type=positive(int), default=2000, help="distinct stories")
    p.add_argument("--burst", type=positive(int), default=2000, help="near-duplicates of one story")
    p.add_argument(
        "--paced-rate",
        type=positive(float),
        nargs="+",
        default=[200.0],
        help="articles/s of the latency phase; several rates are run in ascending order",
    )
    p.add_argument("--paced-seconds", type=positive(float), default=30.0)
    p.add_argument("--views-articles", type=int, default=200, help="articles in each views race")
    p.add_argument("--views-each", type=int, default=5, help="views posted per article")
    p.add_argument("--stall-s", type=float, default=30.0, help="enricher down this long")
    p.add_argument(
        "--stall-mode",
        choices=("sigkill", "sigstop"),
        default="sigkill",
        help="sigkill: killed, then restarted; sigstop: frozen, then SIGCONT",
    )
    p.add_argument("--batch", type=int, default=100, help="articles per POST (throughput)")
    p.add_argument("--in-flight", type=int, default=2, help="POSTs in flight (throughput)")
    p.add_argument("--timeout", type=float, default=1800.0, help="max wait for a phase to drain")
    p.add_argument("--edge", type=int, default=100, help="'first/last N' window")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument(
        "--keep-index",
        action="store_true",
        help="let the story index grow across phases (default: emptied before each)",
    )
    p.add_argument("--py-spy", action="store_true", help="sample the enricher in the burst")
    p.add_argument(
        "--py-spy-paced",
        choices=("ingest", "enricher", "ranking"),
        default=None,
        help="sample this service during the (highest) paced rate",
    )
    p.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "pipeline.json")
    p.add_argument("--keep", action="store_true", help="keep Redis data and logs")
    p.add_argument("--quick", action="store_true", help="every phase small: < 1 minute")
    first = p.parse_args(argv)
    if first.quick:
        p.set_defaults(**QUICK)
    args = p.parse_args(argv)
    few = [r for r in args.paced_rate if round(r * args.paced_seconds) < 2]
    if few:
        p.error(f"--paced-rate {few[0]:g} for {args.paced_seconds:g} s sends fewer than 2 articles")
    return args


def positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    """Every phase runs: a count or rate of 0 would leave a phase with nothing to measure."""

    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    return parse


def say(text: str) -> None:
    print(f"bench_pipeline: {text}", file=sys.stderr, flush=True)


def articles(args: argparse.Namespace, run: str) -> dict[str, list[dict[str, Any]]]:
    pool = corpus.load_pool(ROOT)
    now = datetime.now(UTC).replace(microsecond=0)

    def distinct(count: int, tag: str, seed: int) -> list[dict[str, Any]]:
        return corpus.distinct_stories(pool, count, run=run, seed=seed, published=now, tag=tag)

    return {
        "warm": distinct(20, "warm", args.seed + 1),
        "distinct": distinct(args.distinct, "d", args.seed),
        "burst": corpus.near_duplicates(
            pool, args.burst, run=run, seed=args.seed + 2, published=now
        ),
        **{
            f"paced@{r:g}": distinct(round(r * args.paced_seconds), f"paced{r:g}", args.seed + 3)
            for r in args.paced_rate
        },
        "race": distinct(args.views_articles, "race", args.seed + 4),
        "stalled": distinct(args.views_articles, "stall", args.seed + 5),
    }


async def measure(
    ctx: phases.Context, sets: dict[str, list[dict[str, Any]]], args: argparse.Namespace
) -> dict[str, Any]:
    flow = {"batch": args.batch, "in_flight": args.in_flight}
    memory: dict[str, Any] = {}
    await phases.throughput(ctx, sets["warm"], **flow)  # lazy loads, first connections
    say(f"distinct: {len(sets['distinct'])} stories")
    out: dict[str, Any] = {"distinct": await phases.throughput(ctx, sets["distinct"], **flow)}
    memory["after_distinct"] = ctx.memory.sample()
    say(f"burst: {len(sets['burst'])} near-duplicates")
    sampler = None
    if args.py_spy:
        sampler = Sampler(ctx.system.pid("enricher"), ctx.system.root / "enricher-burst.txt")
    out["burst"] = await phases.throughput(ctx, sets["burst"], **flow)
    out["profile"] = sampler.stop() if sampler else None
    memory["after_burst"] = ctx.memory.sample()
    out["paced_curve"] = []
    rates = sorted(set(args.paced_rate))
    for rate in rates:
        paced = sets[f"paced@{rate:g}"]
        say(f"paced: {len(paced)} articles at {rate:g}/s")
        sampler = None
        if args.py_spy_paced and rate == rates[-1]:
            service = args.py_spy_paced
            sampler = Sampler(ctx.system.pid(service), ctx.system.root / f"{service}-paced.txt")
        out["paced_curve"].append(await phases.paced(ctx, paced, rate))
        if sampler:
            out["paced_profile"] = {"service": args.py_spy_paced, **sampler.stop()}
    out["paced"] = out["paced_curve"][-1]
    memory["after_paced"] = ctx.memory.sample()
    say(f"views racing their article: {len(sets['race'])} articles, twice")
    out["views_race"] = await phases.views_race(ctx, sets["race"], args.views_each)
    out["views_race_stalled"] = await phases.views_race(
        ctx, sets["stalled"], args.views_each, (args.stall_mode, args.stall_s)
    )
    memory["final"] = ctx.memory.sample()
    memory["peak"] = ctx.memory.peak
    out["memory"] = memory
    return out


def baselines_for(
    out: dict[str, Any], sets: dict[str, list[dict[str, Any]]], edge: int
) -> dict[str, Any]:
    return {
        kind: baselines.offline_tagger(sets[kind], out[kind].pop("ids"), edge)
        for kind in ("distinct", "burst")
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    sets = articles(args, run_id)
    system = System(ROOT / "build" / "bench" / f"pipeline-{run_id}")
    started, load = time.time(), os.getloadavg()[0]
    await asyncio.to_thread(system.up)
    client = aioredis.Redis.from_url(system.redis_url)
    ctx = phases.Context(
        system=system,
        redis=client,
        producer=Producer(system.ports["ingest"], system.ports["ranking"], system.api_key),
        watcher=ArrivalWatcher(client, system.keys.ranking("art", "")),
        memory=MemoryWatch(system),
        run=run_id,
        timeout_s=args.timeout,
        edge=args.edge,
        fresh_index=not args.keep_index,
    )
    try:
        await ctx.watcher.start()
        ctx.memory.start()
        out = await measure(ctx, sets, args)
        say("baselines: offline tagger, raw redis-py")
        out["offline_tagger"] = baselines_for(out, sets, args.edge)
        payloads = baselines.raw_payloads(sets["distinct"], "bench-wire")
        stream = f"{{{system.prefix}}}:bench.raw"
        out["raw_redis"] = await baselines.raw_redis(client, stream, payloads, args.batch)
    finally:
        ctx.memory.stop()
        await ctx.watcher.stop()
        await ctx.producer.aclose()
        await client.aclose()
        await asyncio.to_thread(system.down)
        if not args.keep:
            shutil.rmtree(system.root, ignore_errors=True)
    out["meta"] = meta(args, started, load, ctx.notes, system.root if args.keep else None)
    return out


def meta(
    args: argparse.Namespace, started: float, load: float, notes: list[str], kept: Path | None
) -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "commit": commit or "unknown",
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
        "seconds": time.time() - started,
        "cores": os.cpu_count(),
        "load": load,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "notes": notes,
        "kept": str(kept) if kept else None,
        # the services inherit this process's environment, so they run the same copy
        "taggers": compiled.describe(),
    }


def main() -> None:
    args = parse_args()
    # The offline tagger baseline runs in this process: it collects garbage as the enricher
    # process does, so the two differ by the service's work alone.
    tune_gc()
    result = asyncio.run(run(args))
    print("\n".join(report.table(result)))
    report.write_json(result, args.out)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
