"""The enricher's work on a batch of raw articles: tag them (or reuse tags), publish them.

A batch costs a fixed number of Redis round trips whatever its size: one for the tag
cache, the story index's own (see `story_index`), one publish script per chunk. Two batches
are in hand at once: one is drafted (`batch_tagging`: every tag but the story, the CPU)
while the one before it is placed in its story (mostly a wait on the story index's scripts)
and published, so the process keeps a core busy through those round trips.

Placing runs on the event loop (`RedisStoryIndex.assign_async`): while its scripts run in
Redis, the loop drafts the next batch. Drafting a batch of up to `INLINE_BATCH` articles
(what a paced feed delivers, and the backlog a short stall leaves) runs on the event loop
too, which holds it for at most ~40 ms; a larger one (a backlog, a burst) runs in a worker
thread, so health checks keep answering meanwhile. With 2 as the limit, measured at a
paced 200 articles/s here, a stall of a few tens of ms left batches of 3 to 8 articles
that went to the thread, where the GIL handoffs with placing on the loop made each article
~1.5x dearer, so the backlog outlived the stall: p95 47-54 ms against 21-26 with 16.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import structlog

from services.enricher.batch_tagging import (
    Drafted,
    OffLoop,
    Recent,
    Tagged,
    draft_in_order,
    place_in_order,
)
from services.enricher.store import EnricherStore
from services.enricher.taggers import compiled
from services.enricher.taggers.duplicates import AsyncStoryIndex, StoryIndex
from services.enricher.taggers.pipeline import ENRICHER_VERSION, Timed, tag_article
from shared.consumer.entries import Delivery, ModelEntries
from shared.consumer.handler import Batch, Failures
from shared.logging import get_logger
from shared.models import Article, EnrichedArticle, RawArticle, Tags

log = get_logger(__name__)
INLINE_BATCH = 16
R = TypeVar("R")


@dataclass
class Stages:
    """What every shard's consumer in a process shares: one batch drafted at a time (tagging
    holds the GIL), one placed at a time (a story is placed by reading the index and writing
    it back), and the tags made last."""

    drafting: asyncio.Lock = field(default_factory=asyncio.Lock)
    placing: asyncio.Lock = field(default_factory=asyncio.Lock)
    recent: Recent = field(default_factory=Recent)


WARM_UP = Article(
    guid="warm-up",
    headline="Prime Minister meets the Bank of Japan governor in Tokyo",
    body_text="TOKYO — The prime minister met central bank officials on Monday. " * 3,
)


async def warm_up() -> None:
    """Loads what the taggers load on first use (gazetteers, language models, keyword stop
    lists) before the first article, then freezes it all out of the garbage collector:
    the first article is not ~0.3 s late, and full collections no longer walk ~100k
    objects that live as long as the process (35-70 ms pauses every few hundred articles)."""
    await asyncio.to_thread(tag_article, WARM_UP, index=None, article_id="warm-up")
    gc.freeze()
    if compiled.running_compiled():
        log.info("enricher.taggers_compiled")
    else:  # alike, but ~1.4x the CPU per article: worth a line an operator will see
        log.warning("enricher.taggers_from_source", reason=compiled.REASON)


def enriched_of(raw: RawArticle, tags: Tags) -> EnrichedArticle:
    return EnrichedArticle(
        event_id=raw.event_id,
        id=raw.id,
        producer=raw.producer,
        received_at=raw.received_at,
        enricher_version=ENRICHER_VERSION,
        content_hash=raw.content_hash,
        article=raw.article,
        tags=tags,
    )


class Enricher(ModelEntries[RawArticle]):
    """The consumer group of articles.raw: decodes RawArticle, tags, publishes and acks.

    Run with the runner's `inflight` 2 and its next read gated on `drafting_free`: a batch
    is read when the one before it is drafted, so it holds what arrived meanwhile, and is
    drafted while that one is placed and published. Batches pass each step in the order
    they were read (each takes its turn at the next step before it leaves the current one),
    so stories are placed, and versions of an article published, in stream order.
    """

    runner_acks = False  # the publish script acks each entry with its result

    def __init__(
        self,
        store: EnricherStore,
        index: StoryIndex,
        *,
        max_bytes: int,
        stages: Stages | None = None,
    ) -> None:
        super().__init__(RawArticle, max_bytes=max_bytes)
        self.store = store
        self.index = index
        self.stages = stages or Stages()
        self.publishing = asyncio.Lock()  # this shard's stream only

    async def drafting_free(self) -> None:
        """Returns once no batch is being drafted (the runner's read gate)."""
        async with self.stages.drafting:
            pass

    async def handle(self, items: Sequence[Delivery[RawArticle]], batch: Batch) -> Failures:
        started = time.perf_counter()
        raws = [item.message for item in items]
        cached = await self.store.cached_tags([raw.id for raw in raws])
        stages, inline = self.stages, len(raws) <= INLINE_BATCH
        spent: dict[str, float] = {}  # seconds in its own steps, not waiting for another batch
        async with stages.drafting:
            with Timed(spent, "busy"):
                drafted = await _run(inline, draft_in_order, raws, cached, stages.recent)
            await stages.placing.acquire()  # its turn to place comes before the next batch's
        try:
            with Timed(spent, "busy"):
                results = await self._place(inline, drafted)
            await self.publishing.acquire()
        finally:
            stages.placing.release()
        try:
            with Timed(spent, "busy"):
                failures, done, published = await self._publish(items, results)
        finally:
            self.publishing.release()
        timing = _Timing(_ms(time.perf_counter() - started), _ms(spent.get("busy", 0.0)))
        for (item, tagged), fresh in zip(done, published, strict=True):
            _log_enriched(item.message, tagged, fresh, timing, len(items))
        return failures

    async def _place(self, inline: bool, drafted: Drafted) -> list[Tagged | BaseException]:
        """On the event loop when the index can wait for Redis there: the next batch is
        drafted meanwhile, without a thread hop or a handoff of the GIL."""
        index = self.index
        awaited = index if isinstance(index, AsyncStoryIndex) else OffLoop(index, inline=inline)
        return await place_in_order(drafted, awaited, self.stages.recent)

    async def _publish(
        self, items: Sequence[Delivery[RawArticle]], results: Sequence[Tagged | BaseException]
    ) -> tuple[Failures, list[tuple[Delivery[RawArticle], Tagged]], list[bool]]:
        """Publishes (and acks) what was tagged; returns what failed, what was tagged and,
        for each of those, whether this publish was the first."""
        failures: dict[bytes, BaseException] = {}
        done: list[tuple[Delivery[RawArticle], Tagged]] = []
        for item, result in zip(items, results, strict=True):
            if isinstance(result, BaseException):
                failures[item.entry_id] = result
            else:
                done.append((item, result))
        published = await self.store.publish(
            [(enriched_of(item.message, t.tags), item.entry_id) for item, t in done]
        )
        return failures, done, published


async def _run(inline: bool, work: Callable[..., R], *args: object) -> R:
    """On the event loop for a small batch, else in a worker thread."""
    return work(*args) if inline else await asyncio.to_thread(work, *args)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


@dataclass(frozen=True, slots=True)
class _Timing:
    duration_ms: float  # from the batch's read to its publish: what its articles spent here
    busy_ms: float  # its own steps, without waiting for the batch before it: what it cost


def _log_enriched(
    raw: RawArticle, tagged: Tagged, published: bool, timing: _Timing, batch: int
) -> None:
    """One canonical line per article, with its ids bound, and its batch's timing."""
    tags = tagged.tags
    with structlog.contextvars.bound_contextvars(article_id=raw.id, event_id=raw.event_id):
        log.info(
            "article.enriched" if published else "article.already_enriched",
            version=raw.article.version,
            pubstatus=raw.article.pubstatus,
            language=tags.language,
            topics=[t.code for t in tags.topics[:3]],
            story_id=tags.story_id,
            tags_reused=tagged.reused,
            duration_ms=timing.duration_ms,
            busy_ms=timing.busy_ms,
            batch=batch,
        )
