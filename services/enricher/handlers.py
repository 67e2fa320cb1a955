"""The enricher's work on a batch of raw articles: tag them (or reuse tags), publish them.

A batch costs a fixed number of Redis round trips whatever its size: one for the tag
cache, the story index's own (see `story_index`), one publish script per chunk. A batch of
more than `INLINE_BATCH` articles is tagged in one worker-thread hop, so health checks keep
answering while it is; a smaller one (what a paced feed delivers: one or two articles at a
time) is tagged on the event loop, which holds it for ~5 ms and saves the hop's cost (~0.8 ms
of CPU per batch measured here, 15% of an article's).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from services.enricher.store import CachedTags, EnricherStore
from services.enricher.taggers.duplicates import StoryIndex
from services.enricher.taggers.pipeline import ENRICHER_VERSION, tag_article, tag_batch
from shared.consumer.entries import Delivery, ModelEntries
from shared.consumer.handler import Batch, Failures
from shared.logging import get_logger
from shared.models import Article, EnrichedArticle, RawArticle, Tags

log = get_logger(__name__)
INLINE_BATCH = 2


@dataclass(frozen=True, slots=True)
class Tagged:
    tags: Tags
    reused: bool


def _reusable(raw: RawArticle, cached: CachedTags | None) -> Tags | None:
    """An update whose text did not change keeps its tags (and its story), so a
    headline-only correction does not reshuffle clusters; a new enricher version re-tags."""
    if (
        cached is not None
        and cached.content_hash == raw.content_hash
        and cached.enricher_version == ENRICHER_VERSION
    ):
        return cached.tags
    return None


def tag_in_order(
    raws: Sequence[RawArticle], cached: Sequence[CachedTags | None], index: StoryIndex
) -> list[Tagged | BaseException]:
    """Tags a batch in stream order (an earlier article may start the story a later one
    joins), in one call of the story index; a version whose text is cached, or which an
    earlier entry of the batch had, is not tagged again."""
    out: list[Tagged | BaseException | None] = [None] * len(raws)
    first: dict[tuple[str, str], int] = {}
    todo: list[int] = []
    for n, (raw, known) in enumerate(zip(raws, cached, strict=True)):
        reused = _reusable(raw, known)
        if reused is not None:
            out[n] = Tagged(reused, True)
        elif (raw.id, raw.content_hash) not in first:
            first[(raw.id, raw.content_hash)] = n
            todo.append(n)
    tagged = _tag_each_alone_on_failure([raws[n] for n in todo], index)
    for n, result in zip(todo, tagged, strict=True):
        out[n] = result
    for n, raw in enumerate(raws):
        if out[n] is None:
            earlier = out[first[(raw.id, raw.content_hash)]]
            out[n] = Tagged(earlier.tags, True) if isinstance(earlier, Tagged) else earlier
    return [result for result in out if result is not None]


def _tag_each_alone_on_failure(
    raws: Sequence[RawArticle], index: StoryIndex
) -> list[Tagged | BaseException]:
    """One article's failure is its own: a batch that fails is tagged one by one."""
    try:
        batch = tag_batch([(raw.article, raw.id) for raw in raws], index=index)
        return [Tagged(tags, False) for tags in batch]
    except Exception:
        log.exception("batch.tagging_failed", size=len(raws))
    out: list[Tagged | BaseException] = []
    for raw in raws:
        try:
            out.append(Tagged(tag_article(raw.article, index=index, article_id=raw.id), False))
        except Exception as exc:
            out.append(exc)
    return out


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
    """The consumer group of articles.raw: decodes RawArticle, tags, publishes and acks."""

    runner_acks = False  # the publish script acks each entry with its result

    def __init__(
        self,
        store: EnricherStore,
        index: StoryIndex,
        *,
        max_bytes: int,
        tagging: asyncio.Lock | None = None,
    ) -> None:
        super().__init__(RawArticle, max_bytes=max_bytes)
        self.store = store
        self.index = index
        # One batch tagged at a time in a process, whichever shard it comes from: a story
        # is placed by reading the index and writing it back, and tagging holds the GIL.
        self.tagging = tagging or asyncio.Lock()

    async def handle(self, items: Sequence[Delivery[RawArticle]], batch: Batch) -> Failures:
        started = time.perf_counter()
        raws = [item.message for item in items]
        cached = await self.store.cached_tags([raw.id for raw in raws])
        async with self.tagging:
            if len(raws) <= INLINE_BATCH:
                results = tag_in_order(raws, cached, self.index)
            else:
                results = await asyncio.to_thread(tag_in_order, raws, cached, self.index)
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
        batch_ms = round((time.perf_counter() - started) * 1000, 2)
        for (item, tagged), fresh in zip(done, published, strict=True):
            _log_enriched(item.message, tagged, fresh, batch_ms, len(items))
        return failures


def _log_enriched(
    raw: RawArticle, tagged: Tagged, published: bool, batch_ms: float, batch: int
) -> None:
    """One canonical line per article, with its ids bound; `duration_ms` is its batch's,
    from the batch's read to its publish (what the article spent in the enricher)."""
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
            duration_ms=batch_ms,
            batch=batch,
        )
