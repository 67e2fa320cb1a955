"""Big posts against ingest: the RSS of the ingest process, the longest Redis script and the
`/health/live` latency while six 5 MB posts arrive at once, and what was stored for them.

`newsdesk ingest` runs as its own process (one worker, auth off) on a private `redis-server`
whose SLOWLOG records every command over 1 ms (the commands a script runs are short and stay
out of it), so "longest script" is the longest single EVAL/EVALSHA Redis ran, wall time (a
busy machine that preempts Redis makes it longer); calls and their mean come from INFO
commandstats. RSS is read from /proc: at rest before, the peak during (VmHWM, reset before
each case) and at rest 10 s after the last answer.

    .venv/bin/python bench/bench_ingest_big_posts.py            # ~1-3 minutes
    .venv/bin/python bench/bench_ingest_big_posts.py --cases views-270k
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import start_ingest, wait_ready  # noqa: E402
from newsdesk.redis_server import free_port, start_redis  # noqa: E402
from shared.keys import Keys  # noqa: E402

BODY_LIMIT = 5 * 1024 * 1024
AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) " * 3


def minimal_views(run: str, n: int) -> list[dict[str, str]]:
    """The issue's case: as many views as fit in 5 MB, each only an article id."""
    return [{"article_id": f"{run}{i % 5000}"} for i in range(n)]


def full_views(run: str, n: int) -> list[dict[str, str]]:
    """Views with producer ids and every optional field: ~500 B each."""
    return [
        {
            "event_id": f"{run}-{i}",
            "article_id": f"a{i % 5000}",
            "reader_id": f"reader-{i}",
            "ts": "2030-01-01T00:00:00Z",
            "user_agent": AGENT,
            "referrer": f"https://news.example.com/section/{i % 50}",
        }
        for i in range(n)
    ]


def largest_views(run: str, n: int) -> list[dict[str, str]]:
    """Every field at its longest (~3.6 KB a view): the most bytes one script call copies."""
    return [
        {
            "event_id": f"{run}-{i}".ljust(128, "e"),
            "article_id": f"a{i % 5000}".ljust(128, "a"),
            "reader_id": f"r{i}".ljust(256, "r"),
            "ts": "2030-01-01T00:00:00Z",
            "user_agent": AGENT.ljust(1024, "u")[:1024],
            "referrer": "https://news.example.com/".ljust(2048, "x"),
        }
        for i in range(n)
    ]


def articles(run: str, n: int, body_words: int) -> list[dict[str, object]]:
    words = [
        "the",
        "minister",
        "said",
        "talks",
        "would",
        "continue",
        "next",
        "week",
        "after",
        "officials",
        "met",
    ]
    body = " ".join(words[i % len(words)] for i in range(body_words))
    return [
        {"guid": f"urn:{run}:{i}", "headline": f"Story {i}", "body_text": body} for i in range(n)
    ]


def fit(make: Callable[[int], list[object]], start: int) -> bytes:
    """The largest body `make(n)` gives under the body limit (steps of 1%)."""
    n = start
    while len(body := orjson.dumps(make(n))) > BODY_LIMIT:
        n = int(n * 0.99)
    return body


CASES: dict[str, tuple[str, Callable[[str], bytes]]] = {
    "views-270k": ("/v1/views", lambda r: fit(lambda n: list(minimal_views(r, n)), 280_000)),
    "views-10k-full": ("/v1/views", lambda r: fit(lambda n: list(full_views(r, n)), 10_000)),
    "views-largest": ("/v1/views", lambda r: fit(lambda n: list(largest_views(r, n)), 1500)),
    "articles-1000": ("/v1/articles", lambda r: fit(lambda n: list(articles(r, n, 700)), 1000)),
    "article-5mb": ("/v1/articles", lambda r: fit(lambda n: list(articles(r, 1, n)), 800_000)),
}


def rss_kb(pid: int) -> dict[str, int]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {k: int(fields[k].split()[0]) for k in ("VmRSS", "VmHWM")}


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def probe_live(port: int, stop: asyncio.Event) -> float:
    """Longest /health/live answer while the posts run (a stalled Redis stalls it too)."""
    worst = 0.0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        while not stop.is_set():
            started = time.perf_counter()
            await http.get("/health/live")
            worst = max(worst, time.perf_counter() - started)
            await asyncio.sleep(0.1)
    return worst


async def run_case(
    name: str, port: int, pid: int, redis: aioredis.Redis, args: argparse.Namespace
) -> None:
    path, make = CASES[name]
    bodies = [make(uuid.uuid4().hex[:6]) for _ in range(args.posts)]
    await redis.slowlog_reset()
    calls_before = await script_stats(redis)
    before = await stream_lengths(redis, args.prefix)
    rest_before = rss_kb(pid)["VmRSS"]
    reset_peak(pid)
    stop = asyncio.Event()
    live = asyncio.create_task(probe_live(port, stop))
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=args.posts)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=600, limits=limits
    ) as http:
        answers = await asyncio.gather(
            *(
                http.post(path, content=b, headers={"content-type": "application/json"})
                for b in bodies
            )
        )
    elapsed = time.perf_counter() - started
    stop.set()
    worst_live = await live
    peak = rss_kb(pid)["VmHWM"]
    await asyncio.sleep(10)
    rest_after = rss_kb(pid)["VmRSS"]
    after = await stream_lengths(redis, args.prefix)
    entries = await redis.slowlog_get(10_000)
    scripts = [e["duration"] for e in entries if e["command"].upper().startswith(b"EVAL")]
    longest = max(scripts, default=0) / 1000
    calls, usec = (a - b for a, b in zip(await script_stats(redis), calls_before, strict=True))
    statuses = sorted({a.status_code for a in answers})
    acknowledged = sum(_acknowledged(a) for a in answers)
    print(
        f"{name:<15} {len(bodies)}x{len(bodies[0]) / 1e6:.1f} MB  answers {statuses}  "
        f"{elapsed:6.1f} s  RSS {rest_before / 1024:.0f} -> peak {peak / 1024:.0f} -> "
        f"{rest_after / 1024:.0f} MB  scripts {calls} (mean {usec / max(calls, 1) / 1000:.2f} ms, "
        f"{sum(d > 10_000 for d in scripts)} over 10 ms, longest {longest:.2f} ms)  "
        f"/health/live worst {worst_live * 1000:.0f} ms  acknowledged {acknowledged}, "
        f"stored {sum(after.values()) - sum(before.values())}"
    )
    if statuses != [202]:
        print(f"    first answer: {answers[0].text[:300]}")


def _acknowledged(answer: httpx.Response) -> int:
    if answer.status_code != 202:
        return 0
    doc = answer.json()
    if "accepted" in doc:
        return int(doc["accepted"])
    return sum(r["status"] == "accepted" for r in doc["results"])


async def script_stats(redis: aioredis.Redis) -> tuple[int, int]:
    """EVAL and EVALSHA calls so far, and the microseconds Redis spent in them."""
    stats = await redis.info("commandstats")
    rows = [stats.get(f"cmdstat_{name}", {}) for name in ("eval", "evalsha")]
    return sum(int(r.get("calls", 0)) for r in rows), sum(int(r.get("usec", 0)) for r in rows)


async def stream_lengths(redis: aioredis.Redis, prefix: str) -> dict[str, int]:
    keys = Keys(prefix)
    return {s: await redis.xlen(s) for s in (keys.raw, keys.views)}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_redis(free_port(), Path(tmp), fsync="no")
        redis: aioredis.Redis = aioredis.Redis.from_url(server.url)
        await redis.config_set("slowlog-log-slower-than", 1000)
        await redis.config_set("slowlog-max-len", 10_000)
        port = free_port()
        proc = start_ingest(
            port, server.url, args.prefix, rate_limit_per_s="0", log_level="WARNING"
        )
        try:
            await wait_ready(port, proc, attempts=400)
            print(
                f"big posts: {args.posts} at once per case, 1 ingest worker, "
                f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}"
            )
            for name in args.cases:
                await run_case(name, port, proc.pid, redis, args)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
            await redis.aclose()
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=6)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--prefix", default="bigposts")
    asyncio.run(main(parser.parse_args()))
