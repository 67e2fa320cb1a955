"""Polls the configured RSS/Atom feeds and publishes their items the way a POST would.

Each feed is fetched with a conditional GET (ETag / Last-Modified kept in Redis), parsed by
the wire parsers and published through the idempotent ledger, so re-polling a feed that did
not change publishes nothing. The validators are stored only after every item was published:
a poll cut short fetches the whole feed again, and the ledger turns the repeats into
"duplicate". Timing rules (interval, backoff, quiet detection) live in `schedule.py`.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge
from redis.exceptions import RedisError

from services.ingest.documents import candidates
from services.ingest.parsers import detect_format
from services.ingest.publisher import ArticlePublisher, publish_candidates
from services.ingest.schedule import (
    BACKOFF_CAP_S,
    FeedState,
    after_poll,
    first_delay,
    idle_seconds,
    poll_delay,
    retry_after_seconds,
)
from shared.broker import RedisClient
from shared.errors import ParseError, TransientError
from shared.logging import get_logger
from shared.models import utcnow
from shared.periodic import cancel_requested
from shared.settings import FeedSource, Settings

log = get_logger(__name__)

USER_AGENT = "newsdesk-feed-poller/0.1"
FEED_MIME_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
Outcome = Literal["published", "unchanged", "not_modified", "failed"]
_M = TypeVar("_M", Counter, Gauge)
_RANDOM = random.Random()  # noqa: S311 -- spreads retries apart, guards no secret


class FeedError(TransientError):
    """A poll that failed in a way worth retrying later: HTTP error, timeout, bad feed."""

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Fetched:
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class PollResult:
    outcome: Outcome
    items: int = 0
    accepted: int = 0
    invalid: int = 0
    delay_s: float = 0.0
    error: str | None = None


def feed_content_type(content_type: str | None) -> str:
    """Servers label feeds text/html or text/plain as often as rss+xml, so unless the type
    names a feed the bytes decide; only the charset parameter is kept."""
    mime, sep, params = (content_type or "").partition(";")
    if mime.strip().lower() in FEED_MIME_TYPES:
        return content_type or ""
    return "application/xml" + (";" + params if sep else "")


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


class FeedMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        def per_feed(kind: type[_M], name: str, text: str, *labels: str) -> _M:
            return kind(f"newsdesk_feed_{name}", text, ["feed", *labels], registry=registry)

        self.polls = per_feed(Counter, "polls_total", "Feed polls by outcome", "outcome")
        self.published = per_feed(Counter, "items_published_total", "Feed items accepted")
        self.quiet = per_feed(Gauge, "quiet", "1 while a feed has had no new item for too long")
        self.went_quiet = per_feed(Counter, "went_quiet_total", "Times a feed went quiet")
        self.idle = per_feed(Gauge, "idle_seconds", "Seconds since a feed's last new item")
        self.failures = per_feed(Gauge, "consecutive_failures", "Failed polls in a row")


class FeedPoller:
    """One polling loop per feed; settings say what to poll, tests may fix clock and jitter."""

    def __init__(
        self,
        settings: Settings,
        redis: RedisClient,
        publisher: ArticlePublisher,
        registry: CollectorRegistry,
        *,
        clock: Callable[[], datetime] = utcnow,
        jitter: Callable[[], float] = lambda: _RANDOM.uniform(-1.0, 1.0),
        backoff_cap_s: float = BACKOFF_CAP_S,
        timeout_s: float = 30.0,
    ) -> None:
        self.settings = settings
        self.feeds = list(settings.feeds)
        self.redis = redis
        self.publisher = publisher
        self.metrics = FeedMetrics(registry)
        self.clock = clock
        self.jitter = jitter
        self.backoff_cap_s = backoff_cap_s
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )

    def interval_s(self, feed: FeedSource) -> float:
        return feed.interval_s or self.settings.feed_default_interval_s

    def producer(self, feed: FeedSource) -> str:
        return feed.producer or self.settings.feed_producer

    async def aclose(self) -> None:
        await self.http.aclose()

    async def run(self) -> None:
        """Polls every feed on its own schedule until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                for feed in self.feeds:
                    group.create_task(self._loop(feed))
        finally:
            await self.aclose()

    async def _loop(self, feed: FeedSource) -> None:
        crashes = 0
        try:
            delay = first_delay(await self.load_state(feed), self.clock())
        except RedisError:
            delay = 0.0
        while not cancel_requested():
            await asyncio.sleep(delay)
            try:
                delay = (await self.poll(feed)).delay_s
                crashes = 0
            except Exception as exc:  # the loop outlives any one poll (Redis away, a bug)
                crashes += 1
                delay = poll_delay(self.interval_s(feed), crashes, cap_s=self.backoff_cap_s)
                log.warning("feed.poll_crashed", feed=feed.url, error=repr(exc), next_poll_s=delay)

    async def load_state(self, feed: FeedSource) -> FeedState:
        return FeedState.from_fields(await self.redis.hgetall(self._state_key(feed)))

    def _state_key(self, feed: FeedSource) -> str:
        return self.settings.keys.feed_state(url_hash(feed.url))

    async def poll(self, feed: FeedSource) -> PollResult:
        """One conditional GET and the publishing of what it brought; never raises for a
        feed's own failures (they become a `failed` result with a backed-off delay)."""
        started = time.perf_counter()
        state = await self.load_state(feed)
        fetched: Fetched | None = None
        retry_after: float | None = None
        try:
            fetched = await self._fetch(feed, state)
            result = await self._publish(feed, fetched) if fetched else PollResult("not_modified")
        except (FeedError, ParseError, httpx.HTTPError, RedisError) as exc:
            fetched = None
            retry_after = exc.retry_after_s if isinstance(exc, FeedError) else None
            result = PollResult("failed", error=_describe(exc))
        now = self.clock()
        updated, change = after_poll(
            state,
            now,
            new_items=result.accepted,
            failed=result.outcome == "failed",
            quiet_after_s=self.settings.feed_quiet_after_s,
        )
        if fetched is not None:
            # A 200 replaces both validators: a server that stopped sending one must not be
            # asked with a stale one.
            updated = replace(updated, etag=fetched.etag, last_modified=fetched.last_modified)
        delay = poll_delay(
            self.interval_s(feed),
            updated.failures,
            cap_s=self.backoff_cap_s,
            retry_after_s=retry_after,
            jitter=self.jitter(),
        )
        updated = replace(updated, next_poll_at=now + timedelta(seconds=delay))
        fields: Mapping[Any, Any] = updated.to_fields()  # redis-py wants its own key union
        await self.redis.hset(self._state_key(feed), mapping=fields)
        result = replace(result, delay_s=delay)
        self._observe(feed, updated, change, result, now, time.perf_counter() - started)
        return result

    async def _fetch(self, feed: FeedSource, state: FeedState) -> Fetched | None:
        headers: dict[str, str] = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        async with self.http.stream("GET", feed.url, headers=headers) as response:
            if response.status_code == 304:
                return None
            if response.status_code != 200:
                wait = retry_after_seconds(response.headers.get("retry-after"), self.clock())
                raise FeedError(f"HTTP {response.status_code}", retry_after_s=wait)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > self.settings.max_body_bytes:
                    raise FeedError(f"feed exceeds the {self.settings.max_body_bytes}-byte limit")
            return Fetched(
                body=bytes(body),
                content_type=feed_content_type(response.headers.get("content-type")),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )

    async def _publish(self, feed: FeedSource, fetched: Fetched) -> PollResult:
        kind = detect_format(fetched.body, content_type=fetched.content_type)
        if kind not in ("rss", "atom"):
            # A login page or an error page served with 200 must not become an article.
            raise FeedError(f"not an RSS or Atom feed (the body reads as {kind})")
        found = await candidates(fetched.body, fetched.content_type)
        results = await publish_candidates(
            self.publisher, found, self.producer(feed), transport="feed"
        )
        accepted = sum(r["status"] == "accepted" for r in results)
        invalid = [r for r in results if r["status"] == "invalid"]
        if invalid:
            log.warning(
                "feed.items_refused",
                feed=feed.url,
                count=len(invalid),
                errors=[e for r in invalid[:5] for e in r["errors"]],
            )
        outcome: Outcome = "published" if accepted else "unchanged"
        return PollResult(outcome, items=len(results), accepted=accepted, invalid=len(invalid))

    def _observe(
        self,
        feed: FeedSource,
        state: FeedState,
        change: str | None,
        result: PollResult,
        now: datetime,
        duration_s: float,
    ) -> None:
        m, url = self.metrics, feed.url
        m.polls.labels(url, result.outcome).inc()
        m.published.labels(url).inc(result.accepted)
        m.quiet.labels(url).set(1 if state.quiet else 0)
        m.idle.labels(url).set(idle_seconds(state, now))
        m.failures.labels(url).set(state.failures)
        fields = {
            "feed": url,
            "outcome": result.outcome,
            "items": result.items,
            "accepted": result.accepted,
            "invalid": result.invalid,
            "failures": state.failures,
            "next_poll_s": round(result.delay_s, 1),
            "duration_ms": round(duration_s * 1000, 1),
        }
        if result.outcome == "failed":
            log.warning("feed.poll_failed", error=result.error, **fields)
        else:
            log.info("feed.polled", **fields)
        if change == "went_quiet":
            m.went_quiet.labels(url).inc()
            log.warning(
                "feed.went_quiet",
                feed=url,
                idle_s=round(idle_seconds(state, now)),
                quiet_after_s=self.settings.feed_quiet_after_s,
                last_new_at=state.last_new_at.isoformat() if state.last_new_at else None,
            )
        elif change == "resumed":
            log.info("feed.resumed", feed=url)


def _describe(exc: Exception) -> str:
    if isinstance(exc, FeedError | ParseError):
        return exc.reason
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out: {type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"
