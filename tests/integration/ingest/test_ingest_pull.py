"""Pull transports against a real Redis: the feed poller (a local HTTP server serves the feed)
and the drop folder."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from services.ingest.app import build_app
from services.ingest.dropfolder import DropFolder
from services.ingest.poller import FeedPoller, PollResult
from services.ingest.publisher import ArticlePublisher
from shared.models import article_id
from shared.settings import FeedSource, Settings
from tests.conftest import DATA, running
from tests.integration.ingest.test_ingest_api import article, raw_entries
from tests.waiting import eventually

RSS = (DATA / "wire/rss/feedparser-rss2sample.xml").read_bytes()
ATOM = (DATA / "wire/atom/feedparser-intertwingly.atom").read_bytes()
RSS_GUIDS = [
    f"http://liftoff.msfc.nasa.gov/2003/{day}.html#item{n}"
    for day, n in [("06/03", 573), ("05/30", 572), ("05/27", 571), ("05/20", 570)]
]
NEW_ITEM = b"""<item><title>Docking in orbit</title>
<description>The crew docked with the station on Monday.</description>
<pubDate>Mon, 16 Jun 2003 08:00:00 GMT</pubDate>
<guid>http://liftoff.msfc.nasa.gov/2003/06/16.html#item574</guid></item>
"""
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
INTERVAL_S = 10.0


@dataclass
class Served:
    body: bytes
    content_type: str = "text/xml; charset=utf-8"  # as most feed servers say it: sniffed
    status: int = 200
    etag: bool = True
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    modified: str = "Wed, 01 May 2024 10:00:00 GMT"

    @property
    def tag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class FeedServer:
    """Serves `paths` with ETag / Last-Modified and answers conditional GETs with 304."""

    def __init__(self) -> None:
        self.paths: dict[str, Served] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                served = server.paths[self.path]
                time.sleep(served.delay_s)
                if served.status != 200:
                    self.send_response(served.status)
                    for name, value in served.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    return
                fresh = (served.etag and self.headers.get("If-None-Match") == served.tag) or (
                    not served.etag and self.headers.get("If-Modified-Since") == served.modified
                )
                self.send_response(304 if fresh else 200)
                if served.etag:
                    self.send_header("ETag", served.tag)
                self.send_header("Last-Modified", served.modified)
                if fresh:
                    self.end_headers()
                    return
                self.send_header("Content-Type", served.content_type)
                self.send_header("Content-Length", str(len(served.body)))
                self.end_headers()
                self.wfile.write(served.body)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def sent(self, path: str, header: str) -> list[str | None]:
        return [h.get(header) for p, h in self.requests if p == path]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def make_poller(
    settings: Settings, redis: aioredis.Redis, feeds: list[FeedSource], clock: Clock, **kw: float
) -> tuple[FeedPoller, CollectorRegistry]:
    config = settings.model_copy(update={"feeds": feeds, "feed_quiet_after_s": 3600.0})
    registry = CollectorRegistry()
    publisher = ArticlePublisher(redis, settings.keys, ledger_ttl_s=3600)
    poller = FeedPoller(config, redis, publisher, registry, clock=clock, jitter=lambda: 0.0, **kw)
    return poller, registry


def metric(registry: CollectorRegistry, name: str, feed: FeedSource) -> float | None:
    return registry.get_sample_value(name, {"feed": feed.url})


async def test_first_poll_publishes_every_item_and_a_304_publishes_nothing(
    settings: Settings, redis_client: aioredis.Redis, server: FeedServer
) -> None:
    server.paths["/rss"] = Served(RSS)
    feed = FeedSource(url=server.url("/rss"), interval_s=INTERVAL_S, producer="liftoff")
    poller, _ = make_poller(settings, redis_client, [feed], Clock())
    try:
        first = await poller.poll(feed)
        second = await poller.poll(feed)
    finally:
        await poller.aclose()
    assert first == PollResult("published", items=4, accepted=4, delay_s=INTERVAL_S)
    assert second == PollResult("not_modified", delay_s=INTERVAL_S)
    assert server.sent("/rss", "If-None-Match") == [None, Served(RSS).tag]
    entries = await raw_entries(redis_client, settings)
    assert [e.article.guid for e in entries] == RSS_GUIDS
    assert {(e.producer, e.format) for e in entries} == {("liftoff", "rss")}
    assert [e.id for e in entries] == [article_id("liftoff", g) for g in RSS_GUIDS]
    assert all(e.content_hash == e.article.content_hash() for e in entries)
    state = await poller.load_state(feed)
    assert state.etag == Served(RSS).tag
    assert state.next_poll_at == T0 + timedelta(seconds=INTERVAL_S)


async def test_a_changed_feed_publishes_only_its_new_item(
    settings: Settings, redis_client: aioredis.Redis, server: FeedServer
) -> None:
    server.paths["/rss"] = Served(RSS)
    feed = FeedSource(url=server.url("/rss"))
    poller, registry = make_poller(settings, redis_client, [feed], Clock())
    try:
        await poller.poll(feed)
        server.paths["/rss"] = Served(RSS.replace(b"<item>", NEW_ITEM + b"<item>", 1))
        changed = await poller.poll(feed)
        # Without any validator the whole feed comes again; the ledger still holds it back.
        await redis_client.delete(settings.keys.feed_state(_state_hash(feed)))
        refetched = await poller.poll(feed)
    finally:
        await poller.aclose()
    assert (changed.outcome, changed.items, changed.accepted) == ("published", 5, 1)
    assert (refetched.outcome, refetched.items, refetched.accepted) == ("unchanged", 5, 0)
    entries = await raw_entries(redis_client, settings)
    assert [e.article.guid for e in entries][4:] == [
        "http://liftoff.msfc.nasa.gov/2003/06/16.html#item574"
    ]
    assert {e.producer for e in entries} == {settings.feed_producer}
    assert metric(registry, "newsdesk_feed_items_published_total", feed) == 5


def _state_hash(feed: FeedSource) -> str:
    return hashlib.sha256(feed.url.encode()).hexdigest()[:16]


async def test_last_modified_alone_makes_the_poll_conditional(
    settings: Settings, redis_client: aioredis.Redis, server: FeedServer
) -> None:
    server.paths["/atom"] = Served(ATOM, content_type="application/atom+xml", etag=False)
    feed = FeedSource(url=server.url("/atom"))
    poller, _ = make_poller(settings, redis_client, [feed], Clock())
    try:
        outcomes = [(await poller.poll(feed)).outcome for _ in range(2)]
    finally:
        await poller.aclose()
    assert outcomes == ["published", "not_modified"]
    assert server.sent("/atom", "If-Modified-Since") == [None, Served(ATOM).modified]
    assert server.sent("/atom", "If-None-Match") == [None, None]
    assert await redis_client.xlen(settings.keys.raw) == 20


async def test_errors_back_off_exponentially_and_success_resets(
    settings: Settings, redis_client: aioredis.Redis, server: FeedServer
) -> None:
    feed = FeedSource(url=server.url("/flaky"), interval_s=INTERVAL_S)
    poller, registry = make_poller(
        settings, redis_client, [feed], Clock(), backoff_cap_s=100.0, timeout_s=0.5
    )
    page = (
        b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Log in</p></body></html>"
    )
    attempts = [
        Served(RSS, status=500),
        Served(RSS, status=503, headers={"Retry-After": "90"}),
        Served(b'<?xml version="1.0"?><rss><<<>>>', content_type="application/rss+xml"),
        Served(page, content_type="text/html"),
        Served(RSS, delay_s=1.0),
        Served(RSS),
    ]
    results = []
    try:
        for served in attempts:
            server.paths["/flaky"] = served
            results.append(await poller.poll(feed))
            if served.status == 500:
                assert metric(registry, "newsdesk_feed_consecutive_failures", feed) == 1
    finally:
        await poller.aclose()
    assert [(r.outcome, r.delay_s) for r in results] == [
        ("failed", 20.0),
        ("failed", 90.0),  # Retry-After asked for more than the backoff's 40 s
        ("failed", 80.0),
        ("failed", 100.0),  # the cap
        ("failed", 100.0),
        ("published", INTERVAL_S),
    ]
    errors = [r.error or "" for r in results]
    assert errors[:2] == ["HTTP 500", "HTTP 503"]
    assert errors[2].startswith("not a readable feed")
    assert "not an RSS or Atom feed" in errors[3]
    assert errors[4].startswith("timed out")
    assert metric(registry, "newsdesk_feed_consecutive_failures", feed) == 0
    failed = registry.get_sample_value(
        "newsdesk_feed_polls_total", {"feed": feed.url, "outcome": "failed"}
    )
    assert failed == 5
    assert await redis_client.xlen(settings.keys.raw) == 4  # never the sign-in page


async def test_a_feed_without_new_items_goes_quiet_once_and_resumes(
    settings: Settings, redis_client: aioredis.Redis, server: FeedServer
) -> None:
    server.paths["/rss"] = Served(RSS)
    feed = FeedSource(url=server.url("/rss"))
    clock = Clock()
    poller, registry = make_poller(settings, redis_client, [feed], clock)
    try:
        with capture_logs() as logs:
            await poller.poll(feed)
            for hours in (0.5, 1.0, 2.0):
                clock.now = T0 + timedelta(hours=hours)
                await poller.poll(feed)
            quiet_gauge = metric(registry, "newsdesk_feed_quiet", feed)
            idle = metric(registry, "newsdesk_feed_idle_seconds", feed)
            server.paths["/rss"] = Served(RSS.replace(b"<item>", NEW_ITEM + b"<item>", 1))
            clock.now = T0 + timedelta(hours=3)
            await poller.poll(feed)
    finally:
        await poller.aclose()
    events = [
        e["event"] for e in logs if e["event"].startswith("feed.") and e["event"] != "feed.polled"
    ]
    assert events == ["feed.went_quiet", "feed.resumed"]
    (warning,) = [e for e in logs if e["event"] == "feed.went_quiet"]
    assert warning["log_level"] == "warning"
    assert warning["feed"] == feed.url
    assert warning["idle_s"] == 3600
    assert (quiet_gauge, idle) == (1.0, 7200.0)
    assert metric(registry, "newsdesk_feed_quiet", feed) == 0
    assert metric(registry, "newsdesk_feed_went_quiet_total", feed) == 1


# drop folder ---------------------------------------------------------------------------


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def make_folder(settings: Settings, redis: aioredis.Redis, root: Path) -> DropFolder:
    publisher = ArticlePublisher(redis, settings.keys, ledger_ttl_s=3600)
    config = settings.model_copy(update={"drop_dir": root})
    folder = DropFolder.from_settings(config, publisher)
    folder._make_dirs()
    return folder


async def test_a_good_file_is_published_then_moved_to_done(
    settings: Settings, redis_client: aioredis.Redis, tmp_path: Path
) -> None:
    folder = make_folder(settings, redis_client, tmp_path)
    (tmp_path / "liftoff.xml").write_bytes(RSS)
    assert await folder.poll_once() == {}  # first sight: its writer may not be done
    assert await redis_client.xlen(settings.keys.raw) == 0
    assert await folder.poll_once() == {"liftoff.xml": "done"}
    entries = await raw_entries(redis_client, settings)
    assert [e.article.guid for e in entries] == RSS_GUIDS
    assert {e.producer for e in entries} == {settings.drop_producer}
    assert not (tmp_path / "liftoff.xml").exists()
    assert (tmp_path / "done/liftoff.xml").read_bytes() == RSS
    # The same name again: nothing republished, nothing overwritten.
    (tmp_path / "liftoff.xml").write_bytes(RSS)
    await folder.poll_once()
    assert await folder.poll_once() == {"liftoff.xml": "done"}
    assert (tmp_path / "done/liftoff-1.xml").exists()
    assert await redis_client.xlen(settings.keys.raw) == 4


async def test_broken_files_go_to_failed_with_the_reason(
    settings: Settings, redis_client: aioredis.Redis, tmp_path: Path
) -> None:
    folder = make_folder(settings, redis_client, tmp_path)
    (tmp_path / "empty.xml").write_bytes(b"  \n")
    (tmp_path / "batch.json").write_bytes(
        orjson.dumps([article("urn:ok"), {"headline": "no guid"}, article("urn:x", urgency=42)])
    )
    await folder.poll_once()
    assert await folder.poll_once() == {"batch.json": "failed", "empty.xml": "failed"}
    assert files_in(tmp_path / "failed") == [
        "batch.json",
        "batch.json.error",
        "empty.xml",
        "empty.xml.error",
    ]
    assert (tmp_path / "failed/empty.xml.error").read_text() == (
        "empty.xml: unreadable: empty document\n"
    )
    lines = (tmp_path / "failed/batch.json.error").read_text().splitlines()
    assert lines[0] == "batch.json: 2 of 3 items invalid (1 published)"
    assert lines[1].startswith("item 1: guid: ")
    assert lines[2].startswith("item 2: urgency: ")
    assert [e.article.guid for e in await raw_entries(redis_client, settings)] == ["urn:ok"]


async def test_partial_and_hidden_files_are_left_alone(
    settings: Settings, redis_client: aioredis.Redis, tmp_path: Path
) -> None:
    folder = make_folder(settings, redis_client, tmp_path)
    for name in (".liftoff.xml", "liftoff.xml.part", "liftoff.xml.tmp"):
        (tmp_path / name).write_bytes(RSS)
    growing = tmp_path / "growing.xml"
    growing.write_bytes(RSS[:100])
    for _ in range(3):
        assert await folder.poll_once() == {}
        with growing.open("ab") as handle:  # its writer is still at work
            handle.write(b" ")
    (tmp_path / "liftoff.xml.part").rename(tmp_path / "liftoff.xml")  # the safe way to drop
    await folder.poll_once()
    assert await folder.poll_once() == {"liftoff.xml": "done", "growing.xml": "failed"}
    assert files_in(tmp_path) == [".liftoff.xml", "liftoff.xml.tmp"]


async def test_a_file_stays_while_redis_is_away(
    settings: Settings, redis_client: aioredis.Redis, tmp_path: Path
) -> None:
    away: aioredis.Redis = aioredis.Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.5
    )
    folder = make_folder(settings, away, tmp_path)
    (tmp_path / "liftoff.xml").write_bytes(RSS)
    await folder.poll_once()
    with pytest.raises(Exception, match=r"[Cc]onnect"):
        await folder.poll_once()
    assert (tmp_path / "liftoff.xml").exists()
    await away.aclose()
    folder.publisher = ArticlePublisher(redis_client, settings.keys, ledger_ttl_s=3600)
    assert await folder.poll_once() == {"liftoff.xml": "done"}
    assert await redis_client.xlen(settings.keys.raw) == 4


# wiring --------------------------------------------------------------------------------


async def test_ingest_runs_both_transports_and_stops_them_on_shutdown(
    settings: Settings, redis_client: aioredis.Redis, server: FeedServer, tmp_path: Path
) -> None:
    server.paths["/rss"] = Served(RSS)
    config = settings.model_copy(
        update={
            "feeds": [FeedSource(url=server.url("/rss"), interval_s=0.1)],
            "drop_dir": tmp_path,
            "drop_poll_s": 0.05,
        }
    )
    app = build_app(config)
    async with running(app):
        await eventually(lambda: _xlen(redis_client, config, 4))
        await eventually(lambda: _conditional_polls(server, 2))
        (tmp_path / "one.json").write_bytes(orjson.dumps(article("urn:drop")))
        await eventually(lambda: _exists(tmp_path / "done/one.json"))
        tasks = list(app.state.runtime.tasks)
    assert {t.get_name() for t in tasks} >= {"ingest.feeds", "ingest.dropfolder"}
    assert all(t.done() for t in tasks)
    entries = await raw_entries(redis_client, config)
    assert len(entries) == 5
    assert entries[-1].producer == config.drop_producer


async def _xlen(redis: aioredis.Redis, settings: Settings, n: int) -> bool:
    return int(await redis.xlen(settings.keys.raw)) >= n


async def _conditional_polls(server: FeedServer, n: int) -> bool:
    return sum(1 for v in server.sent("/rss", "If-None-Match") if v) >= n


async def _exists(path: Path) -> bool:
    return await asyncio.to_thread(path.exists)
