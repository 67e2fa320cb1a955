"""The enricher's work on one raw article: tag it (or reuse tags), publish the result."""

from __future__ import annotations

import asyncio
import time

import structlog

from services.enricher.store import EnricherStore
from services.enricher.taggers.duplicates import StoryIndex
from services.enricher.taggers.pipeline import ENRICHER_VERSION, tag_article
from shared.logging import get_logger
from shared.models import EnrichedArticle, RawArticle, Tags

log = get_logger(__name__)


class Enricher:
    def __init__(self, store: EnricherStore, index: StoryIndex) -> None:
        self.store = store
        self.index = index

    async def _tags_for(self, raw: RawArticle) -> tuple[Tags, bool]:
        """An update whose text did not change keeps its tags (and its story), so a
        headline-only correction does not reshuffle clusters; a new enricher version re-tags."""
        cached = await self.store.cached_tags(raw.id)
        if (
            cached is not None
            and cached.content_hash == raw.content_hash
            and cached.enricher_version == ENRICHER_VERSION
        ):
            return cached.tags, True
        # Tagging is CPU work with a blocking index; a thread keeps health checks answering.
        tags = await asyncio.to_thread(
            tag_article, raw.article, index=self.index, article_id=raw.id
        )
        return tags, False

    async def on_raw_article(self, raw: RawArticle, entry_id: str) -> None:
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(article_id=raw.id, event_id=raw.event_id):
            tags, reused = await self._tags_for(raw)
            enriched = EnrichedArticle(
                event_id=raw.event_id,
                id=raw.id,
                producer=raw.producer,
                received_at=raw.received_at,
                enricher_version=ENRICHER_VERSION,
                content_hash=raw.content_hash,
                article=raw.article,
                tags=tags,
            )
            published = await self.store.publish(enriched, entry_id)
            log.info(
                "article.enriched" if published else "article.already_enriched",
                version=raw.article.version,
                pubstatus=raw.article.pubstatus,
                language=tags.language,
                topics=[t.code for t in tags.topics[:3]],
                story_id=tags.story_id,
                tags_reused=reused,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
