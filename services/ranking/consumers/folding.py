"""Folding counted views into the lists, at a pace that follows how long a fold takes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime

from services.ranking.store.ranking_store import RankingStore
from shared.logging import get_logger

log = get_logger(__name__)

FOLD_PAUSE_RATIO = 20.0  # under load, folds hold Redis ~1/20 of the time
MAX_FOLD_INTERVAL_S = 30.0


class FoldLoop:
    """Folds every `interval_s`, and once more when stopped (after the views consumer
    stopped, so what it counted last reaches the lists).

    Under heavy traffic a fold takes long, and waiting longer lets each article's views
    pile up into one row (a row costs ~25 µs of Redis, whatever its count): so the pause
    is at least FOLD_PAUSE_RATIO times the last fold, within MAX_FOLD_INTERVAL_S.
    """

    def __init__(self, store: RankingStore, *, interval_s: float) -> None:
        self.store = store
        self.interval_s = interval_s
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._loop(), name="views-fold")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def health(self) -> str | None:
        if self._task is not None and self._task.done():
            return "fold loop ended"
        return None

    async def fold_once(self) -> float:
        """Folds every pending count; returns the seconds it took."""
        started = time.perf_counter()
        folded = await self.store.fold(datetime.now(UTC))
        took = time.perf_counter() - started
        if folded:
            log.debug("views.folded", rows=folded, duration_ms=round(took * 1000, 2))
        return took

    async def _loop(self) -> None:
        wait = base = self.interval_s
        while True:
            final = self._stopping.is_set()
            try:
                took = await self.fold_once()
                wait = min(max(base, FOLD_PAUSE_RATIO * took), max(base, MAX_FOLD_INTERVAL_S))
            except Exception as exc:
                log.warning("views.fold_failed", error=f"{type(exc).__name__}: {exc}")
                wait = min(wait * 2, 10.0)  # pending counts wait in Redis: nothing is lost
            if final:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), wait)
