"""How the bench talks to the running system: as a producer over HTTP, and as an observer of
Redis (stream entry ids are Redis's clock of when each step happened; keyspace events say
when ranking stored an article)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterable
from typing import Any, cast

import orjson
import redis.asyncio as aioredis

from shared.payloads import entry_dict

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0"


_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Http:
    """Keep-alive HTTP/1.1 on asyncio streams, one request per connection at a time: tens
    of microseconds of client CPU per request where httpx takes about a millisecond, which
    on a 2-core machine would be taken from the services being measured."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.idle: list[Connection] = []

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        reused = bool(self.idle)
        conn = self.idle.pop() if reused else await asyncio.open_connection("127.0.0.1", self.port)
        try:
            answer = await self._exchange(conn, method, path, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            conn[1].close()
            if not reused:
                raise
            # The server closed an idle connection (keep-alive timeout) before reading this.
            return await self.request(method, path, body)
        self.idle.append(conn)
        return answer

    async def _exchange(
        self, conn: Connection, method: str, path: str, body: bytes
    ) -> tuple[int, bytes]:
        reader, writer = conn
        writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{self.head}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await reader.readuntil(b"\r\n\r\n")
        match = _LENGTH.search(head)
        content = await reader.readexactly(int(match.group(1)) if match else 0)
        return int(head[9:12]), content

    async def aclose(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


class Producer:
    """A wire producer with its key: articles in batches (or one by one), views by event id;
    and a reader of ranking's article endpoint."""

    def __init__(self, ingest_port: int, ranking_port: int, api_key: str) -> None:
        self.ingest = Http(ingest_port, {"Authorization": f"Bearer {api_key}"})
        self.ranking = Http(ranking_port, {})

    async def post_articles(self, articles: list[dict[str, Any]]) -> list[str]:
        """Article ids, in order; anything but 202 with every item accepted stops the bench."""
        body = orjson.dumps(articles if len(articles) > 1 else articles[0])
        status, content = await self.ingest.request("POST", "/v1/articles", body)
        results = orjson.loads(content).get("results", []) if status == 202 else []
        if len(results) != len(articles) or any(r["status"] != "accepted" for r in results):
            raise SystemExit(f"ingest answered {status}: {content[:300]!r}")
        return [str(r["id"]) for r in results]

    async def post_views(self, article_id: str, count: int, run: str) -> int:
        """`count` views by distinct readers, with event ids as a site would send them."""
        views = [
            {
                "event_id": f"{run}-{article_id}-{n}",
                "article_id": article_id,
                "reader_id": f"reader-{run}-{n}",
                "user_agent": BROWSER,
            }
            for n in range(count)
        ]
        status, content = await self.ingest.request("POST", "/v1/views", orjson.dumps(views))
        if status != 202:
            raise SystemExit(f"views answered {status}: {content[:300]!r}")
        return int(orjson.loads(content)["accepted"])

    async def article_views(self, article_id: str) -> int:
        """`views` of GET /v1/articles/{id} on ranking; 0 while ranking does not know it."""
        status, content = await self.ranking.request("GET", f"/v1/articles/{article_id}")
        return int(orjson.loads(content)["views"]) if status == 200 else 0

    async def aclose(self) -> None:
        await self.ingest.aclose()
        await self.ranking.aclose()


class ArrivalWatcher:
    """When ranking stored each article (its `art:<id>` key was set), by keyspace events:
    exact to the event loop's turn, and no polling load on the system under test."""

    def __init__(self, client: aioredis.Redis, art_prefix: str) -> None:
        self.client = client
        self.channel = f"__keyspace@0__:{art_prefix}"
        self.seen: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        pubsub = self.client.pubsub()
        await pubsub.psubscribe(self.channel + "*")
        self._task = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        cut = len(self.channel)
        async for message in pubsub.listen():
            if message["type"] != "pmessage":
                continue
            article_id = message["channel"].decode()[cut:]
            self.seen.setdefault(article_id, time.time())
            self._changed.set()

    async def wait_for(self, ids: Iterable[str], timeout_s: float) -> bool:
        """True once every id arrived; False at the timeout."""
        wanted = set(ids)
        deadline = time.monotonic() + timeout_s
        while not wanted <= self.seen.keys():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 1.0))
        return True

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def entry_seconds(entry_id: bytes | str) -> float:
    """A stream entry id's Redis time, as Unix seconds (millisecond resolution)."""
    raw = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(raw.split("-")[0]) / 1000


async def stream_times(client: aioredis.Redis, stream: str, since: float) -> dict[str, float]:
    """article id -> when its first entry at or after `since` (Unix s) was added to `stream`."""
    out: dict[str, float] = {}
    start = f"{int(since * 1000)}-0"
    while True:
        chunk = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await client.xrange(stream, min=start, max="+", count=1000),
        )
        for entry_id, fields in chunk:
            doc = entry_dict(fields, max_bytes=1 << 30)
            out.setdefault(str(doc["id"]), entry_seconds(entry_id))
        if len(chunk) < 1000:
            return out
        last = chunk[-1][0].decode()
        start = "(" + last


async def group_state(client: aioredis.Redis, stream: str, group: str) -> dict[str, int]:
    """Lag (entries not yet delivered) and pending (delivered, not acked) of one group."""
    for info in await client.xinfo_groups(stream):
        if info["name"].decode() == group:
            return {"lag": int(info.get("lag") or 0), "pending": int(info["pending"])}
    return {"lag": 0, "pending": 0}


async def wait_drained(client: aioredis.Redis, stream: str, group: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = await group_state(client, stream, group)
        if state["lag"] == 0 and state["pending"] == 0:
            return True
        await asyncio.sleep(0.05)
    return False
