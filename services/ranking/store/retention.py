"""Retention: articles past NEWSDESK_RANKING_RETAIN_DAYS leave ranking, hourly.

Ranking keeps ~1.6 KB of Redis per article (display data, scope lists, all-time counts,
readers), and a site publishes every day, so without a bound it grows for ever. With a
retention, an article published longer ago than that and not read in the last 7 days is
dropped from every list and count at once (`retire.lua`); one still read stays, and is looked
at again a day later. 0, the default, keeps every article (the all-time list then holds every
article ever counted).
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.ranking.store.ranking_store import RankingStore
from shared.logging import get_logger
from shared.periodic import Periodic

log = get_logger(__name__)


class Retention:
    """The hourly pass as a background task of the service; nothing runs when retention is off."""

    def __init__(self, store: RankingStore, *, interval_s: float = 3600.0) -> None:
        self.store = store
        self._every = Periodic("articles.retire", self.run_once, interval_s, at_once=True)

    @property
    def running(self) -> bool:
        return self._every.running

    async def run_once(self) -> tuple[int, int]:
        retired, kept = await self.store.retire(datetime.now(UTC))
        if retired or kept:
            log.info("articles.retired", retired=retired, kept_still_read=kept)
        return retired, kept

    async def start(self) -> None:
        if self.store.params.retain_days:
            await self._every.start()

    async def stop(self) -> None:
        await self._every.stop()
