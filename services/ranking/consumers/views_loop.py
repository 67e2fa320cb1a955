"""The views hot loop: raw XREADGROUP batches, each counted and acked by one Lua script.

FastStream's batch subscriber costs about half of what counting may spend per view, so views
are read with redis-py directly (replies left unparsed, entries decoded by `view_entries`),
while articles.enriched stays on FastStream. The loop keeps the consumer-group guarantees
the rest of the system gets from `shared.consumer`:

- a poison entry (undecodable, no article_id, newer schema) is dead-lettered and acked;
- the next `readahead` batches are read while earlier ones are counted (`inflight` at once);
- entries pending longer than `min_idle_ms` (a consumer died, a script failed) are taken
  over with XAUTOCLAIM and counted; after `max_deliveries` they are dead-lettered;
- NOGROUP (Redis lost the group) recreates it; a Redis outage backs off and resumes;
- `stop()` stops reading, finishes and acks the batches in flight, folds, returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from services.ranking.domain.view_entries import (
    FreshRead,
    View,
    decode_other,
    entry_fields,
    quick_view,
)
from shared.consumer import ConsumerConfig
from shared.deadletter import dead_letter
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.payloads import PoisonEntryError

log = get_logger(__name__)

CountBatch = Callable[[Sequence[View], FreshRead | None], Awaitable[object]]
Fold = Callable[[], Awaitable[int]]
FOLD_PAUSE_RATIO = 20.0  # under load, folds hold Redis ~1/20 of the time
MAX_FOLD_INTERVAL_S = 30.0


@dataclass(frozen=True)
class ViewsConfig(ConsumerConfig):
    """The group's knobs, plus how many batches are counted at once and the fold pace."""

    batch_size: int = 1000
    inflight: int = 2
    readahead: int = 2
    fold_interval_s: float = 1.0
    stop_timeout_s: float = 10.0


def _raw(response: Any, **_: Any) -> Any:
    return response


class ViewsConsumer:
    """Runs the loop as background tasks of the service; `health()` feeds readiness."""

    def __init__(
        self,
        config: ViewsConfig,
        redis: aioredis.Redis,
        metrics: ServiceMetrics,
        *,
        count: CountBatch,
        fold: Fold,
    ) -> None:
        self.config = config
        # Own client on the shared pool, so its raw replies change nobody else's commands.
        self.redis = aioredis.Redis(connection_pool=redis.connection_pool)
        self.redis.set_response_callback("XREADGROUP", _raw)
        self.redis.set_response_callback("XAUTOCLAIM", _raw)
        self.metrics = metrics
        self.count = count
        self.fold = fold
        self.read_error: str | None = "not started"  # each cleared by its next success
        self.count_error: str | None = None
        self._stopping = asyncio.Event()
        self._drained = asyncio.Event()
        self._slots = asyncio.Semaphore(config.inflight)
        self._inflight: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._reads_ahead: deque[asyncio.Future[Any]] = deque()

    # lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Creates the group (new entries only, as FastStream does) before the first read,
        so a view published right after start-up is never skipped; idempotent."""
        await self.ensure_group()
        if not self._tasks:
            self.read_error = None
            self._tasks = [
                asyncio.create_task(self._read_loop(), name="views-read"),
                asyncio.create_task(self._fold_loop(), name="views-fold"),
            ]

    async def stop(self) -> None:
        self._stopping.set()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=self.config.stop_timeout_s)
        for task in pending:
            task.cancel()
        for read in self._reads_ahead:
            read.cancel()  # entries it got stay pending: reclaimed after min_idle_ms
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.read_error = "stopped"
        log.info("views.stopped", graceful=not pending)

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not any(t.done() for t in self._tasks)

    def health(self) -> str | None:
        """None when consuming; else why not (readiness reports it)."""
        if not self.running:
            return f"views consumer not running ({self.read_error or 'stopped'})"
        problem = self.read_error or self.count_error
        return f"views consumer: {problem}" if problem else None

    async def ensure_group(self) -> None:
        cfg = self.config
        try:
            await self.redis.xgroup_create(cfg.stream, cfg.group, id="$", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    # reading -------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        delay, next_claim = 0.5, 0.0
        while not self._stopping.is_set():
            try:
                if time.monotonic() >= next_claim:
                    await self.reclaim()
                    next_claim = time.monotonic() + self.config.claim_interval_ms / 1000
                await self.read_once()
                self.read_error, delay = None, 0.5
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    delay = await self._back_off(exc, delay)
                    continue
                await self.ensure_group()
                log.warning("views.group_recreated", stream=self.config.stream)
            except Exception as exc:
                delay = await self._back_off(exc, delay)
        while self._reads_ahead:  # delivered to this consumer already: count them now
            try:
                await self.read_once()
            except Exception as exc:  # left pending: reclaimed after min_idle_ms
                log.warning("views.last_read_failed", error=f"{type(exc).__name__}: {exc}")
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)
        self._drained.set()

    async def _back_off(self, exc: Exception, delay: float) -> float:
        self.read_error = f"{type(exc).__name__}: {exc}"
        log.warning("views.read_failed", error=self.read_error, retry_in_s=delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)
        return min(delay * 2, 10.0)

    async def read_once(self) -> int:
        """One XREADGROUP; its batch is counted in the background. Returns entries read.

        The next `readahead` XREADGROUPs are sent as soon as this one answers, before this
        batch is decoded. Redis writes replies only after running every command it read in
        the same turn, so a read that arrives beside a count script answers when that script
        ends: with one read ahead the loop would get its next batch only after the scripts
        queued with it, and Redis would idle while that batch is decoded. Two reads ahead
        keep a batch in hand to decode while Redis counts the previous ones."""
        sent = self._reads_ahead.popleft() if self._reads_ahead else None
        reply = await (sent or self._xreadgroup())
        if not reply:
            return 0
        if not self._stopping.is_set():
            while len(self._reads_ahead) < self.config.readahead:
                self._reads_ahead.append(asyncio.ensure_future(self._xreadgroup()))
            await asyncio.sleep(0)  # lets them be sent now, not at the first pause of _decode
        entries = next(iter(reply.values())) if isinstance(reply, dict) else reply[0][1]
        views = await self._decode(entries, deliveries=1)
        if views:
            await self._slots.acquire()
            task = asyncio.create_task(self._count(views))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return len(entries)

    async def _xreadgroup(self) -> Any:
        cfg = self.config
        return await self.redis.xreadgroup(
            cfg.group, cfg.consumer, {cfg.stream: ">"}, count=cfg.batch_size, block=cfg.block_ms
        )

    async def _decode(self, entries: Sequence[Any], *, deliveries: int) -> list[View]:
        """Entries of a raw reply ([id, [field, value, ...]]) to views; poison is dead-lettered."""
        views: list[View] = []
        limit = self.config.max_entry_bytes
        for n, entry in enumerate(entries, start=1):
            if n % 250 == 0:
                await asyncio.sleep(0)  # HTTP requests share this event loop
            if not entry:
                continue
            view = quick_view(entry, limit)
            if view is None:
                fields = entry_fields(entry[1])
                try:
                    view = decode_other(entry[0], fields, limit)
                except PoisonEntryError as exc:
                    await self._dead_letter(entry[0], fields, str(exc), deliveries)
                    continue
            views.append(view)
        return views

    async def _count(self, views: Sequence[View], *, claimed: bool = False) -> None:
        started = time.perf_counter()
        stream = self.config.stream
        try:
            fresh = None if claimed else FreshRead(self.config.consumer, self.config.min_idle_ms)
            await self.count(views, fresh)
        except Exception as exc:
            if claimed and len(views) > 1 and isinstance(exc, ResponseError):
                for view in views:  # isolate what the script refuses; the rest counts
                    await self._count([view], claimed=True)
                return
            # Left pending: reclaimed after min_idle_ms, counted then (or dead-lettered).
            self.metrics.failed.labels(stream, "retried").inc(len(views))
            self.count_error = f"counting failed: {type(exc).__name__}: {exc}"
            log.warning("views.count_failed", error=self.count_error, size=len(views))
        else:
            self.count_error = None
            self.metrics.handled.labels(stream).inc(len(views))
            self.metrics.latency.labels(stream).observe(time.perf_counter() - started)
        finally:
            if not claimed:
                self._slots.release()

    # reclaiming ----------------------------------------------------------------------
    async def reclaim(self) -> int:
        """Takes over entries idle for min_idle_ms (any consumer's) and counts them here;
        an entry delivered more than max_deliveries times is dead-lettered instead."""
        cfg = self.config
        reply = await self.redis.xautoclaim(
            cfg.stream, cfg.group, cfg.consumer, cfg.min_idle_ms, "0-0", count=cfg.batch_size
        )
        entries = [e for e in reply[1] if e] if reply and len(reply) > 1 else []
        if not entries:
            return 0
        counts = await self._deliveries([entry[0] for entry in entries])
        retry: list[Any] = []
        for entry in entries:
            times = counts.get(entry[0], 1)
            if times > cfg.max_deliveries:
                reason = f"not counted after {times - 1} deliveries"
                await self._dead_letter(entry[0], entry_fields(entry[1]), reason, times - 1)
            else:
                retry.append(entry)
        views = await self._decode(retry, deliveries=max(counts.values(), default=1))
        if views:
            log.warning("views.reclaimed", count=len(views))
            await self._count(views, claimed=True)
        return len(entries)

    async def _deliveries(self, ids: Sequence[bytes]) -> dict[bytes, int]:
        cfg = self.config
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.xpending_range(cfg.stream, cfg.group, entry_id, entry_id, 1)
            found = await pipe.execute()
        return {
            entry_id: int(rows[0]["times_delivered"])
            for entry_id, rows in zip(ids, found, strict=True)
            if rows
        }

    async def _dead_letter(
        self, entry_id: bytes, fields: Mapping[bytes, bytes], reason: str, attempts: int
    ) -> None:
        cfg = self.config
        await dead_letter(
            self.redis,
            stream=cfg.stream,
            group=cfg.group,
            entry_id=entry_id.decode(),
            fields=fields,
            error=reason,
            service=cfg.service,
            attempts=attempts,
        )
        self.metrics.failed.labels(cfg.stream, "dead_lettered").inc()
        log.error("view.dead_lettered", entry_id=entry_id.decode(), error=reason)

    # folding -------------------------------------------------------------------------
    async def _fold_loop(self) -> None:
        """Folds every fold_interval_s, and once more after the last batch was counted.

        Under heavy traffic a fold takes long, and waiting longer lets each article's views
        pile up into one row (a row costs ~25 µs of Redis, whatever its count): so the pause
        is at least FOLD_PAUSE_RATIO times the last fold, within MAX_FOLD_INTERVAL_S.
        """
        wait = self.config.fold_interval_s
        while True:
            final = self._drained.is_set()
            started = time.perf_counter()
            try:
                await self.fold()
                took = time.perf_counter() - started
                base = self.config.fold_interval_s
                wait = min(max(base, FOLD_PAUSE_RATIO * took), max(base, MAX_FOLD_INTERVAL_S))
            except Exception as exc:
                log.warning("views.fold_failed", error=f"{type(exc).__name__}: {exc}")
                wait = min(wait * 2, 10.0)  # pending counts wait in Redis: nothing is lost
            if final:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), wait)
