"""The consumer group of views: each batch counted and acked by one Lua script."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from prometheus_client import Counter, Gauge

from services.ranking.domain.results import CountResult
from services.ranking.domain.view_entries import View, decode_other, quick_view
from services.ranking.store.ranking_store import RankingStore
from shared.consumer.entries import entry_fields
from shared.consumer.handler import Batch, Failures, RawEntry
from shared.logging import get_logger
from shared.metrics import ServiceMetrics

log = get_logger(__name__)


class ViewOutcomes:
    """What counting did with views, over every shard (one set of metrics a process)."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.metrics = metrics
        self.views = Counter(
            "newsdesk_views_total",
            "View events by what counting did with them (bots and repeats are rejections)",
            ["outcome"],
            registry=metrics.registry,
        )
        self.held = Gauge(
            "newsdesk_views_held_articles",
            "Articles ranking does not know yet whose views it holds (NEWSDESK_VIEWS_HOLD_*)",
            registry=metrics.registry,
        )

    def add(self, result: CountResult) -> None:
        for outcome, count in (
            ("counted", result.counted),
            ("duplicate", result.duplicates),
            ("rejected_bot", result.rejected_bots),
            ("rejected_repeat", result.rejected_repeat),
            ("held", result.held),
            ("unknown_article", result.unknown),
        ):
            if count:
                self.views.labels(outcome).inc(count)


class ViewsHandler:
    """Counting acks what it counts in the same script, so the runner acks nothing here."""

    runner_acks = False

    def __init__(
        self,
        store: RankingStore,
        outcomes: ViewOutcomes,
        *,
        stream: str,
        group: str,
        max_bytes: int,
    ) -> None:
        self.store = store
        self.outcomes = outcomes
        self.stream = stream
        self.group = group
        self.max_bytes = max_bytes

    def decode(self, entry: RawEntry) -> View:
        """The common entry straight from the raw reply; any other shape validated in full."""
        view = quick_view(entry, self.max_bytes)
        if view is None:
            view = decode_other(entry[0], entry_fields(entry[1]), self.max_bytes)
        return view

    @staticmethod
    def entry_id(view: View) -> bytes:
        entry_id = view.entry_id
        return entry_id if isinstance(entry_id, bytes) else entry_id.encode()

    async def handle(self, items: Sequence[View], batch: Batch) -> Failures:
        await self.count(items, batch)
        return {}

    async def count(self, views: Sequence[View], batch: Batch) -> CountResult:
        started = time.perf_counter()
        result = await self.store.count_views(
            self.stream, self.group, views, datetime.now(UTC), batch.fresh
        )
        self.outcomes.add(result)
        log.info(
            "views.counted",
            batch=len(views),
            counted=result.counted,
            duplicates=result.duplicates,
            bots=result.rejected_bots,
            repeats=result.rejected_repeat,
            unknown=result.unknown,
            held=result.held,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        return result
