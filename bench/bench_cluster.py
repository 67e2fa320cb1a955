"""Scaling bench: the views path on one Redis (1 shard) and on a local 3-master Redis
Cluster (3 shards), in the same run, with each node's Redis CPU per million views.

Each configuration gets its own private servers (a redis-server; a 3-master cluster with no
replicas), the same articles and the same Zipf views (each XADDed to its article's shard),
and ranking's own consumer groups, one per shard, run in this process as the service runs
them (`StreamRunner` + `ViewsHandler` + `FoldLoop`), until every view is acked and folded.
Redis CPU is read from INFO (used_cpu_user + used_cpu_sys) of every node before and after.
On 2 cores one Python process is the wall-clock limit whatever the shard count, so the
figure that says how the system scales is Redis CPU per view per node: with N shards each
node does 1/N of the work, and the nodes can be N machines.

    .venv/bin/python bench/bench_cluster.py [--views 400000] [--articles 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_ranking import load_articles_into, make_payloads
from newsdesk.redis_cluster import start_cluster
from newsdesk.redis_server import free_port, start_redis
from services.ranking.app import VIEWS_INFLIGHT, VIEWS_READAHEAD
from services.ranking.consumers.folding import FoldLoop
from services.ranking.consumers.views import ViewOutcomes, ViewsHandler
from services.ranking.store.params import RankingParams
from services.ranking.store.shards import RankingShards
from shared.broker import RedisClient
from shared.consumer.config import ConsumerConfig
from shared.consumer.runner import StreamRunner
from shared.keys import Keys, shard_of
from shared.logging import configure_logging
from shared.metrics import ServiceMetrics

GROUP = "ranking"


@dataclass
class Figures:
    name: str
    shards: int
    nodes: int
    views: int
    seconds: float
    node_cpu_s: list[float]
    client_cpu_s: float

    @property
    def rate(self) -> float:
        return self.views / self.seconds

    def per_million(self, cpu_s: float) -> float:
        return cpu_s * 1_000_000 / self.views


async def redis_cpu(ports: Sequence[int]) -> list[float]:
    out = []
    for port in ports:
        node = aioredis.Redis(port=port)
        info = await node.info("cpu")
        out.append(float(info["used_cpu_user"]) + float(info["used_cpu_sys"]))
        await node.aclose()
    return out


async def feed(client: RedisClient, keys: Keys, payloads: list[bytes], ids: list[str]) -> None:
    """Each view to its article's shard stream, as ingest writes it."""
    for shard in keys.all_shards():
        await client.xgroup_create(shard.views, GROUP, id="0", mkstream=True)
    for start in range(0, len(payloads), 2000):
        async with client.pipeline(transaction=False) as pipe:
            for data, aid in zip(payloads[start : start + 2000], ids[start : start + 2000],
                                 strict=True):  # fmt: skip
                pipe.xadd(keys.shard(shard_of(aid, keys.shards)).views, {"__data__": data})
            await pipe.execute()


async def consume(client: RedisClient, shards: RankingShards, keys: Keys, total: int) -> float:
    """Ranking's views consumer groups, one per shard, until every view is acked; then the
    last folds. Returns the seconds it took."""
    metrics = ServiceMetrics("bench")
    outcomes = ViewOutcomes(metrics)
    runners, folds = [], []
    for shard, store in zip(keys.all_shards(), shards.stores, strict=True):
        config = ConsumerConfig(
            stream=shard.views, group=GROUP, consumer="bench", service="bench",
            batch_size=1000, block_ms=100, readahead=VIEWS_READAHEAD, inflight=VIEWS_INFLIGHT,
        )  # fmt: skip
        handler = ViewsHandler(store, outcomes, stream=shard.views, group=GROUP,
                               max_bytes=1 << 20)  # fmt: skip
        runners.append(StreamRunner(config, client, metrics, handler))
        folds.append(FoldLoop(store, interval_s=1.0))
    start = time.perf_counter()
    for r, f in zip(runners, folds, strict=True):
        await r.start()
        await f.start()
    while await acked(client, keys) < total:  # noqa: ASYNC110 - polls Redis, not a flag
        await asyncio.sleep(0.05)
    for r, f in zip(runners, folds, strict=True):
        await r.stop()
        await f.stop()
    return time.perf_counter() - start


async def acked(client: RedisClient, keys: Keys) -> int:
    done = 0
    for shard in keys.all_shards():
        for g in await client.xinfo_groups(shard.views):
            done += int(g["entries-read"] or 0) - int(g["pending"])
    return done


async def run_one(
    name: str, client: RedisClient, ports: list[int], shards_n: int, args: argparse.Namespace
) -> Figures:
    # The default prefix: its shard tags fall one per third of the slots for 3, 6 or 12
    # shards, so a fresh 3-master cluster holds the same number on each master (another
    # prefix may not: a master's share of the work is its share of the shards).
    keys = Keys("newsdesk", shards_n)
    shards = RankingShards.of(client, keys, RankingParams())
    await load_articles_into(shards, args.articles)
    payloads = make_payloads(args.views, args.articles, seed=5)
    ids = [orjson.loads(p)["article_id"] for p in payloads]
    await feed(client, keys, payloads, ids)
    cpu0, proc0 = await redis_cpu(ports), time.process_time()
    seconds = await consume(client, shards, keys, args.views)
    cpu1, proc1 = await redis_cpu(ports), time.process_time()
    return Figures(name, shards_n, len(ports), args.views, seconds,
                   [b - a for a, b in zip(cpu0, cpu1, strict=True)], proc1 - proc0)  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    configure_logging("WARNING", "console", service="bench")
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    single = start_redis(free_port(), work / "single", fsync="everysec")
    cluster = start_cluster(work / "cluster", masters=3, replicas=0)
    try:
        one = aioredis.Redis(port=single.port)
        many = aioredis.RedisCluster(host="127.0.0.1", port=cluster.ports[0])
        results = [
            await run_one("one Redis, 1 shard", one, [single.port], 1, args),
            await run_one(
                f"3-master cluster, {args.shards} shards", many, cluster.ports, args.shards, args
            ),
        ]
        await one.aclose()
        await many.aclose()
    finally:
        cluster.stop()
        single.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(results)


def report(results: list[Figures]) -> None:
    base = results[0]
    base_cpu = base.per_million(sum(base.node_cpu_s))
    print(f"views path, {base.views:,} Zipf views over the same articles, 2 cores, one process")
    for f in results:
        nodes = ", ".join(f"{f.per_million(c):.1f}" for c in f.node_cpu_s)
        busiest = f.per_million(max(f.node_cpu_s))
        print(
            f"  {f.name:<28} {f.rate:>9,.0f} views/s  Redis CPU s per 1M views per node: "
            f"[{nodes}] (all nodes {f.per_million(sum(f.node_cpu_s)):.1f}; busiest "
            f"{busiest / base_cpu:.2f}x one node's); client {f.per_million(f.client_cpu_s):.1f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--views", type=int, default=400_000)
    parser.add_argument("--articles", type=int, default=10_000)
    # Hash slots fall where they fall: 3 tags may share a master, 12 spread evenly enough.
    parser.add_argument("--shards", type=int, default=3, help="shards on the cluster")
    asyncio.run(main(parser.parse_args()))
