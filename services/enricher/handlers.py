"""The enricher's work on a batch of raw articles: tag them (or reuse tags), publish them.

A batch costs a fixed number of Redis round trips whatever its size: one for the tag
cache, the story index's own (see `story_index`), one publish script per chunk; tagging
runs in one worker-thread hop per batch, so health checks keep answering while it does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from services.enricher.store import CachedTags, EnricherStore
from services.enricher.taggers.duplicates import StoryIndex
from services.enricher.taggers.pipeline import ENRICHER_VERSION, tag_article
from shared.consumer.entries import Delivery, ModelEntries
from shared.consumer.handler import Batch, Failures
from shared.logging import get_logger
from shared.models import EnrichedArticle, RawArticle, Tags

log = get_logger(__name__)


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
    joins); a version whose text an earlier one in the batch had is not tagged twice."""
    out: list[Tagged | BaseException] = []
    seen: dict[str, CachedTags] = {}
    for raw, known in zip(raws, cached, strict=True):
        reused = _reusable(raw, seen.get(raw.id, known))
        try:
            tags = reused or tag_article(raw.article, index=index, article_id=raw.id)
        except Exception as exc:  # one article's failure is its own; the batch goes on
            out.append(exc)
            continue
        seen[raw.id] = CachedTags(raw.content_hash, ENRICHER_VERSION, tags)
        out.append(Tagged(tags, reused is not None))
    return out


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

    def __init__(self, store: EnricherStore, index: StoryIndex, *, max_bytes: int) -> None:
        super().__init__(RawArticle, max_bytes=max_bytes)
        self.store = store
        self.index = index

    async def handle(self, items: Sequence[Delivery[RawArticle]], batch: Batch) -> Failures:
        started = time.perf_counter()
        raws = [item.message for item in items]
        cached = await self.store.cached_tags([raw.id for raw in raws])
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
        per_article_ms = round((time.perf_counter() - started) * 1000 / max(len(items), 1), 2)
        for (item, tagged), fresh in zip(done, published, strict=True):
            _log_enriched(item.message, tagged, fresh, per_article_ms)
        return failures


def _log_enriched(raw: RawArticle, tagged: Tagged, published: bool, ms: float) -> None:
    """One canonical line per article, with its ids bound."""
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
            batch_ms_per_article=ms,
        )
