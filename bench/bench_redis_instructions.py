"""Redis's own cost of the enricher's story index and of ranking's article upserts, counted in
instructions by callgrind: the same count on a quiet or a busy VM, so two versions of a Lua
script compare without the ±30% this machine's timings drift by.

Each workload runs against its own `redis-server` under `valgrind --tool=callgrind` (no
persistence) and the total is divided by the articles, after taking off what starting and
stopping an idle server costs. With `--baseline REV`, the same workloads also run on the
tree at REV (exported with `git archive`: its scripts and the Python that calls them), in
the same run, interleaved.

  story index: 800 distinct articles placed alone (what a paced feed brings), then 600 in
               batches of 50 (bench_story_index.py's Zipf-vocabulary articles);
  ranking:     1,500 enriched articles upserted in batches of 50 (bench_ranking.py's).

    .venv/bin/python bench/bench_redis_instructions.py [--baseline cb97d6d] [--rounds 1]

valgrind slows Redis ~50x: a round of both workloads takes ~3 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SINGLE, BATCHED, BATCH = 800, 600, 50
UPSERTS = 1500
WORKLOADS = {"story index": SINGLE + BATCHED, "ranking upserts": UPSERTS}


def drive(workload: str, port: int) -> None:
    """Runs in a child whose sys.path starts at the tree being measured."""
    if workload == "story index":
        import redis

        from bench.bench_story_index import distinct
        from services.enricher.story_index import RedisStoryIndex
        from shared.keys import Keys

        client = redis.Redis(port=port)
        index = RedisStoryIndex(client, Keys(f"cg{uuid.uuid4().hex[:8]}"))
        # Dated the last day, as a live feed's are: the index keeps only the window's stories.
        now = datetime.now(UTC)
        count = SINGLE + BATCHED
        placements = [
            replace(p, published_at=now - timedelta(minutes=count - i))
            for i, p in enumerate(distinct(count))
        ]
        for placement in placements[:SINGLE]:
            index.assign([placement])
        for start in range(SINGLE, SINGLE + BATCHED, BATCH):
            index.assign(placements[start : start + BATCH])
        client.close()
    elif workload == "ranking upserts":
        asyncio.run(_upserts(port))
    else:
        raise SystemExit(f"unknown workload {workload!r}")


async def _upserts(port: int) -> None:
    import random

    import redis.asyncio as aioredis

    from bench.bench_ranking import make_article
    from services.ranking.store.params import RankingParams
    from services.ranking.store.ranking_store import RankingStore
    from shared.keys import Keys

    client = aioredis.Redis(port=port)
    store = RankingStore(client, Keys(f"cg{uuid.uuid4().hex[:8]}"), RankingParams())
    rng = random.Random(7)
    articles = [make_article(n, rng) for n in range(UPSERTS)]
    for start in range(0, UPSERTS, BATCH):
        await store.upsert_articles([(a, None) for a in articles[start : start + BATCH]])
    await client.aclose()


def counted(tree: Path, workload: str | None, work_dir: Path) -> int:
    """Instructions of one redis-server's life: started, driven (or not), shut down."""
    # Imported here, not at the top: the driving child must find only its own tree's code
    # (main() puts this tree on the path, once, for the parent alone).
    from newsdesk.redis_server import answers, free_port

    port = free_port()
    out = work_dir / f"callgrind.{port}"
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "redis-server",
         "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(work_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not answers(f"redis://127.0.0.1:{port}/0"):  # valgrind starts it slowly
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"redis-server under valgrind did not answer on {port}")
            time.sleep(0.5)
        if workload is not None:
            subprocess.run(
                [sys.executable, __file__, "--drive", workload, "--port", str(port)],
                cwd=tree, check=True, env={**os.environ, "PYTHONPATH": str(tree)},
            )  # fmt: skip
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        server.wait(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
    match = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no callgrind summary in {out}")
    return int(match.group(1))


def export(rev: str, into: Path) -> Path:
    tree = into / f"tree-{rev}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git revision to count beside the working tree")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(args.drive, args.port)
        return
    sys.path.insert(0, str(ROOT))
    if shutil.which("valgrind") is None or shutil.which("redis-server") is None:
        raise SystemExit("needs valgrind and redis-server: apt-get install valgrind redis-server")
    with tempfile.TemporaryDirectory(prefix="bench-redis-instr-") as tmp:
        work = Path(tmp)
        trees = {"working tree": ROOT}
        if args.baseline:
            trees[args.baseline] = export(args.baseline, work)
        idle = counted(ROOT, None, work)
        print(f"an idle redis-server started and stopped: {idle / 1e6:,.1f} M instructions")
        results: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for workload, articles in WORKLOADS.items():
                for name, tree in trees.items():
                    total = counted(tree, workload, work)
                    results.setdefault((workload, name), []).append((total - idle) / articles)
        for workload, articles in WORKLOADS.items():
            print(f"\n{workload} ({articles} articles): Redis instructions per article")
            base = min(results[(workload, args.baseline)]) if args.baseline else None
            for name in trees:
                best = min(results[(workload, name)])
                ratio = f"  {best / base:.3f}x the baseline" if base else ""
                print(f"  {name:<14} {best / 1e3:9,.1f} K{ratio}")


if __name__ == "__main__":
    main()
