"""The consumer group of articles.enriched: what lists show about each article, and kills."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog

from services.ranking.store.ranking_store import RankingStore
from shared.consumer.entries import Delivery, ModelEntries
from shared.consumer.handler import Batch, Failures
from shared.logging import get_logger
from shared.models import EnrichedArticle

log = get_logger(__name__)


class ArticlesHandler(ModelEntries[EnrichedArticle]):
    """Upserts are idempotent (a version never goes back), so the runner acks after them."""

    runner_acks = True

    def __init__(
        self,
        store: RankingStore,
        *,
        max_bytes: int,
        on_kill: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(EnrichedArticle, max_bytes=max_bytes)
        self.store = store
        self.on_kill = on_kill  # lists held in memory drop the article too

    async def handle(self, items: Sequence[Delivery[EnrichedArticle]], batch: Batch) -> Failures:
        for item in items:
            await self.on_enriched_article(item.message)
        return {}

    async def on_enriched_article(self, enriched: EnrichedArticle) -> None:
        with structlog.contextvars.bound_contextvars(
            article_id=enriched.id, event_id=enriched.event_id
        ):
            outcome = await self.store.upsert_article(enriched)
            killed = enriched.article.pubstatus == "canceled"
            if killed and self.on_kill is not None:
                self.on_kill(enriched.id)
            log.info(
                "article.killed" if killed else "article.ranked",
                version=enriched.article.version,
                section=enriched.article.section,
                outcome=outcome,
            )
