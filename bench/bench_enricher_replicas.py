"""Enricher replicas: how a backlog of raw articles drains with one enricher process and
with two in the same consumer group, each configuration on a private Redis of its own, in
the same run; and that no article is published twice.

The articles are the pipeline bench's distinct stories, XADDed to `articles.raw` as ingest
writes them, at once, once the enrichers are ready (the other services are not run: only
the enricher's rate is measured). Each
configuration gets a fresh prefix, so a process never reuses the other's story index.

    .venv/bin/python bench/bench_enricher_replicas.py [--articles 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import orjson
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pipeline import corpus
from bench.pipeline.baselines import raw_payloads
from bench.pipeline.system import cpu_seconds
from newsdesk.processes import ready, settings_env, spawn
from newsdesk.redis_server import free_port, start_redis
from shared.keys import GROUP_ENRICHER, Keys

ROOT = Path(__file__).resolve().parents[1]


def drain(url: str, payloads: list[str], processes: int) -> dict[str, float]:
    """Starts `processes` enrichers on a full articles.raw and times them to empty it."""
    keys = Keys(f"rep{uuid.uuid4().hex[:6]}")
    client = redis.Redis.from_url(url)
    client.xgroup_create(keys.raw, GROUP_ENRICHER, id="0", mkstream=True)
    ports = [free_port() for _ in range(processes)]
    procs = [
        spawn(
            "enricher",
            settings_env(redis_url=url, key_prefix=keys.prefix, log_level="WARNING",
                         enricher_port=str(port)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]  # fmt: skip
    for port in ports:  # started and warmed up: only the draining is timed
        while not ready(port):
            time.sleep(0.1)
    cpu0, redis0 = sum(cpu_seconds(p.pid) for p in procs), redis_cpu(client)
    machine0 = machine_ticks()
    start = time.perf_counter()
    with client.pipeline(transaction=False) as pipe:
        for data in payloads:
            pipe.xadd(keys.raw, {"__data__": data})
        pipe.execute()
    while client.xlen(keys.enriched) < len(payloads):
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    machine = [after - before for after, before in zip(machine_ticks(), machine0, strict=True)]
    cpu = sum(cpu_seconds(p.pid) for p in procs) - cpu0
    redis_s = redis_cpu(client) - redis0
    for proc in procs:
        proc.terminate()
        proc.wait()
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(keys.enriched))
    published = Counter(orjson.loads(fields[b"__data__"])["id"] for _, fields in entries)
    client.close()
    return {
        "rate": len(payloads) / seconds,
        "seconds": seconds,
        "cpu_ms_per_article": cpu * 1000 / len(payloads),
        "redis_ms_per_article": redis_s * 1000 / len(payloads),
        "published_twice": sum(1 for n in published.values() if n > 1),
        "machine_busy": 1 - (machine[3] + machine[4]) / sum(machine),
    }


def machine_ticks() -> list[int]:
    """The machine's CPU time by state since boot (/proc/stat: user, nice, system, idle,
    iowait, irq, softirq, steal): how busy every core was, whoever used them."""
    with open("/proc/stat") as stat:
        return [int(n) for n in stat.readline().split()[1:9]]


def on_fresh_redis(payloads: list[str], processes: int) -> dict[str, float]:
    """`drain` on a Redis of its own: the second configuration neither inherits the first's
    dataset nor the AOF rewrites it brings (a rewrite's child takes one of the cores)."""
    work = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    server = start_redis(free_port(), work / "redis")
    try:
        return drain(server.url, payloads, processes)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)  # its Redis files: ~60 MB a run


def redis_cpu(client: redis.Redis) -> float:
    """Seconds of CPU the Redis server has used (all its threads)."""
    info = cast(dict[str, float], client.info("cpu"))
    return info["used_cpu_user"] + info["used_cpu_sys"]


def ceiling(one: dict[str, float], two: dict[str, float]) -> float:
    """The most two processes could gain on these cores: the rate at which the enrichers' and
    Redis's CPU per article, as the two-process run spent it, fills every core, over one
    process's rate (and never more than twice it)."""
    cores = os.cpu_count() or 1
    full = cores * 1000 / (two["cpu_ms_per_article"] + two["redis_ms_per_article"])
    return min(2.0, full / one["rate"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    pool = corpus.load_pool(ROOT)
    stories = corpus.distinct_stories(
        pool, args.articles, run=uuid.uuid4().hex[:6], seed=4, published=datetime.now(UTC)
    )
    payloads = raw_payloads(stories, "bench")
    one = on_fresh_redis(payloads, 1)
    two = on_fresh_redis(payloads, 2)
    print(f"enricher draining {args.articles:,} distinct ~1.5 KB stories from articles.raw "
          f"({os.cpu_count()} cores; from the first XADD, processes started and warm)")  # fmt: skip
    for name, r in (("1 process", one), ("2 processes", two)):
        print(f"  {name:<12} {r['rate']:>7.1f} articles/s  {r['cpu_ms_per_article']:.2f} CPU "
              f"ms/article (Redis {r['redis_ms_per_article']:.2f})  "
              f"published twice: {r['published_twice']}  "
              f"machine busy {r['machine_busy']:.0%}")  # fmt: skip
    print(f"  2 processes / 1: {two['rate'] / one['rate']:.2f}x; the cores allow at most "
          f"{ceiling(one, two):.2f}x (enrichers and Redis at their CPU per article filling "
          f"{os.cpu_count()} cores; not counting what else ran, such as this bench's "
          f"XADDs)")  # fmt: skip


if __name__ == "__main__":
    main()
