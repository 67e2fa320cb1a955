"""The consumer group of articles.enriched: what lists show about each article, and kills."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog

from services.ranking.store.ranking_store import RankingStore
from services.ranking.store.scripts import Ack
from shared.consumer.entries import Delivery, ModelEntries
from shared.consumer.handler import Batch, Failures
from shared.logging import get_logger
from shared.models import EnrichedArticle

log = get_logger(__name__)


class ArticlesHandler(ModelEntries[EnrichedArticle]):
    """Upserts a batch in one round trip, each article's script acking its entry: an upsert
    is idempotent (a version never goes back), so the ack needs no gate, and a failing
    article stays pending for a retry while its neighbours are done."""

    runner_acks = False

    def __init__(
        self,
        store: RankingStore,
        *,
        stream: str,
        group: str,
        max_bytes: int,
        on_kill: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(EnrichedArticle, max_bytes=max_bytes)
        self.store = store
        self.ack = Ack(stream, group)
        self.on_kill = on_kill  # lists held in memory drop the article too

    async def handle(self, items: Sequence[Delivery[EnrichedArticle]], batch: Batch) -> Failures:
        pairs = [(item.message, item.entry_id) for item in items]
        outcomes = await self.store.upsert_articles(pairs, ack=self.ack)
        failures: dict[bytes, BaseException] = {}
        for item, outcome in zip(items, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                failures[item.entry_id] = outcome
            else:
                self._ranked(item.message, outcome)
        return failures

    def _ranked(self, enriched: EnrichedArticle, outcome: str) -> None:
        with structlog.contextvars.bound_contextvars(
            article_id=enriched.id, event_id=enriched.event_id
        ):
            killed = enriched.article.pubstatus == "canceled"
            if killed and self.on_kill is not None:
                self.on_kill(enriched.id)
            log.info(
                "article.killed" if killed else "article.ranked",
                version=enriched.article.version,
                section=enriched.article.section,
                outcome=outcome,
            )
