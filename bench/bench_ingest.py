"""Ingest over real HTTP: articles/s and p50/p99 latency, single posts and batches of 100,
beside raw XADD of the same payloads (and the publish script alone) measured in the same run.

`newsdesk ingest` (uvicorn serving `build_app`) runs as its own process on a free port, as in
production: INFO logs rendered as JSON (to /dev/null), the per-producer rate limiter on (with
a limit it never reaches), auth off. The load comes from this process: `--client raw` (the
default) is a minimal keep-alive HTTP/1.1 client on asyncio streams, so the figures are the
server's and not the client's; `--client httpx` uses httpx.AsyncClient. Every payload is a
~1.5 KB canonical JSON article with a unique guid. Keys live under a unique prefix on the
Redis at 127.0.0.1:6379 and are deleted at the end.

    .venv/bin/python bench/bench_ingest.py                     # ~1 minute
    .venv/bin/python bench/bench_ingest.py --profile ingest.prof   # cProfile the server
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import httpx
import orjson
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk import processes  # noqa: E402
from newsdesk.redis_server import free_port  # noqa: E402
from services.ingest.publisher import ArticlePublisher  # noqa: E402
from shared.keys import Keys  # noqa: E402
from shared.models import Article, RawArticle, article_id  # noqa: E402

URL = "redis://127.0.0.1:6379/0"
A = TypeVar("A")
WORDS = [
    "government",
    "minister",
    "said",
    "on",
    "Tuesday",
    "that",
    "the",
    "talks",
    "would",
    "continue",
    "next",
    "week",
    "after",
    "officials",
    "from",
    "both",
    "sides",
    "met",
    "in",
    "the",
    "capital",
    "to",
    "discuss",
    "trade",
    "energy",
    "and",
    "security",
    "while",
    "markets",
    "rose",
    "and",
    "analysts",
    "expected",
    "the",
    "central",
    "bank",
    "to",
    "hold",
    "rates",
    "steady",
    "this",
    "quarter",
]
_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def payload(run: str, n: int) -> dict[str, object]:
    """A canonical article of about 1.5 KB once serialised; the guid is unique per run."""
    body = " ".join(WORDS[(n + i) % len(WORDS)] for i in range(190))
    return {
        "guid": f"urn:bench:{run}:{n}",
        "version": 1,
        "headline": f"Talks to continue next week, minister says ({n})",
        "byline": "Bench Reporter",
        "section": "World",
        "language": "en",
        "published_at": "2024-05-01T09:30:00Z",
        "keywords": ["talks", "trade", "energy"],
        "body_text": body,
    }


@dataclass
class Row:
    name: str
    articles: int
    seconds: float
    latencies: list[float]
    cpu_s: float

    def line(self) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        rate = self.articles / self.seconds
        cpu = self.cpu_s / self.articles * 1e6
        return (
            f"{self.name:<46} {self.articles:>7} {rate:>11,.0f} {p50:>8.2f} {p99:>8.2f} {cpu:>8.0f}"
        )


HEADER = f"{'':<46} {'articles':>7} {'articles/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'CPU us':>8}"


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (uvicorn workers): unlike
    throughput, barely moved by whatever else the machine runs, so it compares runs on a
    busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return own + sum(process_cpu_s(int(kid)) for kid in kids)


async def drive(
    calls: list[Callable[[], Awaitable[int]]],
    concurrency: int,
    name: str,
    cpu_clock: Callable[[], float] = time.process_time,
) -> Row:
    """Runs `calls` with `concurrency` in flight; each returns how many articles it carried.
    `cpu_clock` is the CPU that the row charges (the server's for HTTP rows)."""
    latencies: list[float] = []
    queue: Iterator[Callable[[], Awaitable[int]]] = iter(calls)
    done = 0

    async def worker() -> None:
        nonlocal done
        for call in queue:
            started = time.perf_counter()
            carried = await call()  # read `done` after the await: other workers add to it
            done += carried
            latencies.append(time.perf_counter() - started)

    cpu, started = cpu_clock(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return Row(name, done, elapsed, latencies, cpu_clock() - cpu)


class RawHttp:
    """Keep-alive HTTP/1.1 over one asyncio stream; ~20 us of client CPU per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST /v1/articles HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        response = await self.reader.readuntil(b"\r\n\r\n")
        match = _LENGTH.search(response)
        content = await self.reader.readexactly(int(match.group(1)) if match else 0)
        return int(response[9:12]), content


class Poster:
    """Posts bodies with the chosen client, one connection per in-flight request."""

    def __init__(self, kind: str, port: int, concurrency: int) -> None:
        self.kind = kind
        self.pool = [RawHttp(port) for _ in range(concurrency)]
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits)

    async def post(self, body: bytes, expect: int) -> int:
        if self.kind == "httpx":
            resp = await self.http.post(
                "/v1/articles", content=body, headers={"content-type": "application/json"}
            )
            status, content = resp.status_code, resp.content
        else:
            conn = self.pool.pop()
            try:
                status, content = await conn.post(body)
            finally:
                self.pool.append(conn)
        if status != 202 or content.count(b'"accepted"') != expect:
            raise SystemExit(f"ingest answered {status}: {content[:300]!r}")
        return expect


def start_ingest(
    port: int,
    redis_url: str,
    prefix: str,
    *,
    profile: str | None = None,
    stderr: processes.Output = None,
    **settings: str,
) -> subprocess.Popen[bytes]:
    """Ingest on `port` without producer keys (the benches time the path, not the auth),
    logging JSON to `stderr`; `settings` are further `NEWSDESK_*` values, `profile` a file
    for the server's cProfile."""
    env = processes.settings_env(
        redis_url=redis_url, ingest_port=str(port), key_prefix=prefix, require_auth="false",
        log_format="json", **settings,
    )  # fmt: skip
    python = ["-m", "cProfile", "-o", profile] if profile else []
    return processes.spawn("ingest", env, python=python, stdout=subprocess.DEVNULL, stderr=stderr)


async def wait_ready(port: int, proc: subprocess.Popen[bytes], attempts: int = 200) -> None:
    """Until ingest's /health/ready answers 200, every 50 ms; exits if ingest died."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        for _ in range(attempts):
            if proc.poll() is not None:
                raise SystemExit("ingest exited at start-up")
            try:
                if (await http.get("/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("ingest did not become ready")


async def http_rows(args: argparse.Namespace, port: int, pid: int, run: str) -> list[Row]:
    poster = Poster(args.client, port, args.concurrency)
    server_cpu = partial(process_cpu_s, pid)
    n, size = args.articles, args.batch
    singles = [orjson.dumps(payload(run, i)) for i in range(n)]
    batches = [
        orjson.dumps([payload(run, n + i + j) for j in range(size)]) for i in range(0, n, size)
    ]
    warm = [orjson.dumps(payload(run + "-warm", i)) for i in range(200)]
    await drive([_bind(poster.post, b, 1) for b in warm], args.concurrency, "warm-up")
    rows = [
        await drive(
            [_bind(poster.post, b, 1) for b in singles],
            args.concurrency,
            f"ingest HTTP, single posts ({args.concurrency} in flight)",
            server_cpu,
        ),
        await drive(
            [_bind(poster.post, b, size) for b in batches],
            args.batch_concurrency,
            f"ingest HTTP, batches of {size} ({args.batch_concurrency} in flight)",
            server_cpu,
        ),
    ]
    await poster.http.aclose()
    return rows


def _bind(
    post: Callable[[bytes, int], Awaitable[int]], body: bytes, expect: int
) -> Callable[[], Awaitable[int]]:
    return lambda: post(body, expect)


async def redis_rows(args: argparse.Namespace, prefix: str, run: str) -> list[Row]:
    """The same payloads written straight to Redis: the floor under what ingest can do."""
    redis: aioredis.Redis = aioredis.Redis.from_url(URL)
    keys = Keys(prefix)
    stream = f"{{{prefix}}}:bench.xadd"
    n, size, c = args.articles, args.batch, args.concurrency
    bodies = [orjson.dumps(payload(run, i)) for i in range(n)]

    async def one(body: bytes) -> int:
        await redis.xadd(stream, {"__data__": body})
        return 1

    async def pipelined(chunk: list[bytes]) -> int:
        async with redis.pipeline(transaction=False) as pipe:
            for body in chunk:
                pipe.xadd(stream, {"__data__": body})
            await pipe.execute()
        return len(chunk)

    publisher = ArticlePublisher(redis, keys, ledger_ttl_s=3600)
    raws = [_raw(run + "-lua", i) for i in range(n)]

    async def scripted(raw: RawArticle) -> int:
        status, _ = await publisher.publish(raw)
        assert status == "accepted", status
        return 1

    chunks = [bodies[i : i + size] for i in range(0, n, size)]
    rows = [
        await drive([_later(one, b) for b in bodies], c, f"redis-py XADD, single ({c} in flight)"),
        await drive(
            [_later(pipelined, ch) for ch in chunks],
            args.batch_concurrency,
            f"redis-py XADD, pipelines of {size}",
        ),
        await drive([_later(scripted, r) for r in raws], c, f"publish.lua alone, no HTTP ({c})"),
    ]
    await redis.aclose()
    return rows


def _raw(run: str, n: int) -> RawArticle:
    article = Article.model_validate(payload(run, n))
    return RawArticle(
        id=article_id("bench", article.guid),
        producer="bench",
        content_hash=article.content_hash(),
        article=article,
    )


def _later(func: Callable[[A], Awaitable[int]], arg: A) -> Callable[[], Awaitable[int]]:
    return lambda: func(arg)


async def cleanup(prefix: str) -> int:
    redis: aioredis.Redis = aioredis.Redis.from_url(URL)
    keys = [k async for k in redis.scan_iter(match=f"{{{prefix}}}:*", count=1000)]
    for i in range(0, len(keys), 1000):
        await redis.delete(*keys[i : i + 1000])
    await redis.aclose()
    return len(keys)


async def main(args: argparse.Namespace) -> None:
    prefix, run = f"bench-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:8]
    port = free_port()
    proc = start_ingest(
        port, URL, prefix, profile=args.profile, stderr=subprocess.DEVNULL,
        log_level=args.log_level,
        rate_limit_per_s="0" if args.no_rate_limit else "10000000",
        ingest_workers=str(args.workers),
    )  # fmt: skip
    try:
        await wait_ready(port, proc)
        rows = await http_rows(args, port, proc.pid, run)
        published = await aioredis.Redis.from_url(URL).xlen(Keys(prefix).raw)
        rows += await redis_rows(args, prefix, run)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        removed = await cleanup(prefix)
    payload_bytes = len(orjson.dumps(payload(run, 0)))
    print(
        f"\ningest bench: {args.articles} articles per row, payload {payload_bytes} B, "
        f"client {args.client}, {args.workers} ingest worker(s), server log {args.log_level}, "
        "rate limiter "
        f"{'off' if args.no_rate_limit else 'on'}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(HEADER)
    for row in rows:
        print(row.line())
    print("CPU us: per article, of the ingest process for HTTP rows, of this client otherwise")
    print(f"stream entries published over HTTP: {published} (+200 warm-up); {removed} keys removed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--batch-concurrency", type=int, default=4)
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument("--workers", type=int, default=2, help="NEWSDESK_INGEST_WORKERS")
    parser.add_argument("--profile", default=None, help="write the server's cProfile here")
    parser.add_argument(
        "--log-level", default="INFO", help="the server's (WARNING: no line per article)"
    )
    parser.add_argument(
        "--no-rate-limit", action="store_true", help="skip the limiter's round trip"
    )
    asyncio.run(main(parser.parse_args()))
