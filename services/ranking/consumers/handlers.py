"""Ranking's stream handlers: article metadata from articles.enriched, counts from views."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import structlog
from prometheus_client import Counter

from services.ranking.domain.results import CountResult
from services.ranking.domain.view_entries import FreshRead, View
from services.ranking.store.ranking_store import RankingStore
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.models import EnrichedArticle

log = get_logger(__name__)


class RankingHandlers:
    def __init__(
        self,
        store: RankingStore,
        metrics: ServiceMetrics,
        *,
        views_stream: str,
        group: str,
        on_kill: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.on_kill = on_kill  # lists held in memory drop the article too
        self.metrics = metrics
        self.views_stream = views_stream
        self.group = group
        self.views = Counter(
            "newsdesk_views_total",
            "View events by what counting did with them (bots and repeats are rejections)",
            ["outcome"],
            registry=metrics.registry,
        )

    async def on_enriched_article(self, enriched: EnrichedArticle, entry_id: str) -> None:
        with structlog.contextvars.bound_contextvars(
            article_id=enriched.id, event_id=enriched.event_id
        ):
            await self.store.upsert_article(enriched)
            killed = enriched.article.pubstatus == "canceled"
            if killed and self.on_kill is not None:
                self.on_kill(enriched.id)
            log.info(
                "article.killed" if killed else "article.ranked",
                version=enriched.article.version,
                section=enriched.article.section,
            )

    async def on_views(self, batch: Sequence[View], fresh: FreshRead | None = None) -> CountResult:
        """Counts and acks the batch in one atomic step (the store's Lua script)."""
        started = time.perf_counter()
        result = await self.store.count_views(
            self.views_stream, self.group, batch, datetime.now(UTC), fresh
        )
        for outcome, count in (
            ("counted", result.counted),
            ("duplicate", result.duplicates),
            ("rejected_bot", result.rejected_bots),
            ("rejected_repeat", result.rejected_repeat),
            ("unknown_article", result.unknown),
        ):
            if count:
                self.views.labels(outcome).inc(count)
        log.info(
            "views.counted",
            batch=len(batch),
            counted=result.counted,
            duplicates=result.duplicates,
            bots=result.rejected_bots,
            repeats=result.rejected_repeat,
            unknown=result.unknown,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        return result

    async def on_fold(self) -> int:
        """Pending counts into the lists; logs only when it had work, as it runs every ~0.5 s."""
        started = time.perf_counter()
        folded = await self.store.fold(datetime.now(UTC))
        if folded:
            log.debug(
                "views.folded",
                rows=folded,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
        return folded
