"""What becomes of a handled batch: acks, dead letters, retries, and the metrics of each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar, cast

from shared.broker import RedisClient
from shared.consumer.config import ConsumerConfig
from shared.consumer.entries import describe, entry_fields
from shared.consumer.handler import Batch, BatchHandler, Failures, RawEntry
from shared.deadletter import dead_letter
from shared.errors import PermanentError
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.periodic import cancel_requested

T = TypeVar("T")
log = get_logger(__name__)


class Outcomes(Generic[T]):
    """Runs the handler on a batch and settles every entry of it: acked, dead-lettered, or
    left pending for a retry."""

    def __init__(
        self,
        config: ConsumerConfig,
        redis: RedisClient,
        metrics: ServiceMetrics,
        handler: BatchHandler[T],
    ) -> None:
        self.config = config
        self.redis = redis
        self.metrics = metrics
        self.handler = handler
        self.handle_error: str | None = None  # the last batch's failure, cleared by a success

    async def handle(self, items: Sequence[T], batch: Batch) -> None:
        started = time.perf_counter()
        stream = self.config.stream
        keeping = asyncio.create_task(self._keep_claimed(items))
        try:
            failures = await self.handler.handle(items, batch)
        except Exception as exc:
            if batch.fresh is None and len(items) > 1:
                for item in items:  # isolate what keeps failing; the rest goes through
                    await self.handle([item], batch)
                return
            self.handle_error = f"handling failed: {describe(exc)}"
            failures = {self.handler.entry_id(item): exc for item in items}
        else:
            self.handle_error = None
        finally:
            keeping.cancel()
        if self.handler.runner_acks:
            done = [i for i in map(self.handler.entry_id, items) if i not in failures]
            if done:
                await self.redis.xack(stream, self.config.group, *done)
        if failures:
            await self._settle(failures, batch.deliveries)
        self.metrics.handled.labels(stream).inc(len(items) - len(failures))
        self.metrics.latency.labels(stream).observe(time.perf_counter() - started)

    async def _keep_claimed(self, items: Sequence[T]) -> None:
        """While a batch takes longer than a third of min_idle_ms, its entries are claimed
        again (XCLAIM JUSTID: idle time reset, delivery count kept), so no consumer, this
        one's own reclaimer included, takes over work that is still under way."""
        cfg = self.config
        pause = cfg.min_idle_ms / 3000
        await asyncio.sleep(pause)
        ids: list[Any] = [self.handler.entry_id(item) for item in items]
        while not cancel_requested():  # a lost cancellation must not keep it claiming
            try:
                await self.redis.xclaim(cfg.stream, cfg.group, cfg.consumer, 0, ids, justid=True)
            except Exception as exc:  # the batch's own outcome will say what went wrong
                log.warning("entries.keep_claimed_failed", stream=cfg.stream, error=describe(exc))
            await asyncio.sleep(pause)

    async def _settle(self, failures: Failures, deliveries: int) -> None:
        """Permanent failures and entries out of deliveries are dead-lettered with their
        error; the rest stay pending and are reclaimed after min_idle_ms."""
        retried: list[bytes] = []
        for entry_id, exc in failures.items():
            if isinstance(exc, PermanentError) or deliveries >= self.config.max_deliveries:
                fields = await self._fields(entry_id)
                await self.dead_letter(entry_id, fields, describe(exc), deliveries)
            else:
                retried.append(entry_id)
        if retried:
            self.metrics.failed.labels(self.config.stream, "retried").inc(len(retried))
            first = failures[retried[0]]
            log.warning(
                "entry.failed", stream=self.config.stream, entries=len(retried),
                first_entry_id=retried[0].decode(), attempts=deliveries, error=describe(first),
            )  # fmt: skip

    async def _fields(self, entry_id: bytes) -> Mapping[bytes, bytes]:
        """The entry as it was written (rare path: only for dead letters after handling)."""
        rows = cast(list[Any], await self.redis.xrange(self.config.stream, entry_id, entry_id))
        return entry_fields(rows[0][1]) if rows else {}

    async def poison(self, entry: RawEntry, exc: BaseException, deliveries: int) -> None:
        """An entry that cannot be decoded can never succeed: dead-lettered now, alone."""
        await self.dead_letter(entry[0], entry_fields(entry[1]), describe(exc), deliveries)

    async def dead_letter(
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
        log.error(
            "entry.dead_lettered", stream=cfg.stream, entry_id=entry_id.decode(),
            attempts=attempts, error=reason,
        )  # fmt: skip
