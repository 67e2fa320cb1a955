"""The consumer-group loop every stream runs on: raw XREADGROUP batches into a handler.

It keeps the guarantees the README promises of every consumer:

- a poison entry (whatever its decode raises) is dead-lettered alone, at once, and acked;
- the next `readahead` batches are read while earlier ones are handled (`inflight` at once);
- entries pending longer than `min_idle_ms` (a consumer died, a handler failed) are taken
  over with XAUTOCLAIM and handled; after `max_deliveries` they are dead-lettered (`reclaim`);
- NOGROUP (Redis lost the group) recreates it; a Redis outage backs off and resumes;
- `stop()` stops reading, finishes and acks the batches in flight and read ahead, returns.

Replies are left unparsed (a client of its own on the service's pool, with raw XREADGROUP
and XAUTOCLAIM callbacks): redis-py's parsing would build a dict per entry, which the views
stream cannot afford.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar, cast

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from shared.broker import RedisClient
from shared.consumer.config import ConsumerConfig
from shared.consumer.handler import Batch, BatchHandler, FreshRead, RawEntry
from shared.consumer.outcomes import Outcomes
from shared.consumer.reclaim import Reclaimer
from shared.logging import get_logger
from shared.metrics import ServiceMetrics

T = TypeVar("T")
log = get_logger(__name__)
YIELD_EVERY = 250  # entries decoded between turns given to HTTP requests on the same loop


def _raw(response: Any, **_: Any) -> Any:
    return response


def _entries(reply: Any) -> Sequence[RawEntry]:
    """The entries of one stream's raw XREADGROUP reply (RESP3 map or RESP2 list); none
    when the read timed out."""
    if not reply:
        return []
    return cast(
        Sequence[RawEntry], next(iter(reply.values())) if isinstance(reply, dict) else reply[0][1]
    )


def raw_client(redis: RedisClient) -> RedisClient:
    """A client whose stream reads come back as Redis sent them: one on `redis`'s pool, or,
    for a cluster client (whose nodes' pools are its own), that client itself: only the
    runners read streams with XREADGROUP and XAUTOCLAIM."""
    client = (
        redis
        if isinstance(redis, aioredis.RedisCluster)
        else aioredis.Redis(connection_pool=redis.connection_pool)
    )
    client.set_response_callback("XREADGROUP", _raw)
    client.set_response_callback("XAUTOCLAIM", _raw)
    return client


class StreamRunner(Generic[T]):
    """Runs one consumer group of one stream as background tasks of the service."""

    def __init__(
        self,
        config: ConsumerConfig,
        redis: RedisClient,
        metrics: ServiceMetrics,
        handler: BatchHandler[T],
        *,
        read_gate: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.redis = raw_client(redis)
        self.handler = handler
        self.read_gate = read_gate
        self.outcomes = Outcomes(config, self.redis, metrics, handler)
        self.reclaimer = Reclaimer(config, self.redis, self.outcomes)
        self.read_error: str | None = "not started"  # each cleared by its next success
        self._stopping = asyncio.Event()
        self._slots = asyncio.Semaphore(config.inflight)
        self._inflight: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._reads_ahead: deque[asyncio.Future[Any]] = deque()
        self._backlog = False  # the last read came back full: more entries are waiting
        self._fresh = FreshRead(config.consumer, config.min_idle_ms)

    # lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Creates the group (new entries only) before the first read, so an entry added
        right after start-up is never skipped; idempotent."""
        await self.ensure_group()
        if self._task is None:
            self.read_error = None
            self._stopping.clear()
            self._task = asyncio.create_task(self._read_loop(), name=f"read:{self.config.stream}")

    async def stop(self) -> None:
        """Stops reading; what was read is handled and acked within `stop_timeout_s`."""
        self._stopping.set()
        if self._task is None:
            return
        _done, pending = await asyncio.wait([self._task], timeout=self.config.stop_timeout_s)
        for task in pending:
            task.cancel()
        for read in self._reads_ahead:
            read.cancel()  # entries it got stay pending: reclaimed after min_idle_ms
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        self.read_error = "stopped"
        log.info("consumer.stopped", stream=self.config.stream, graceful=not pending)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def health(self) -> str | None:
        """None when consuming; else why not (readiness reports it)."""
        name = f"consumer of {self.config.stream}"
        if not self.running:
            return f"{name} not running ({self.read_error or 'stopped'})"
        problem = self.read_error or self.outcomes.handle_error
        return f"{name}: {problem}" if problem else None

    async def ensure_group(self) -> None:
        cfg = self.config
        try:
            await self.redis.xgroup_create(cfg.stream, cfg.group, id="$", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def reclaim(self) -> int:
        """Takes over what was left pending for min_idle_ms; returns entries claimed."""
        return await self.reclaimer.reclaim(self)

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
                log.warning("consumer.group_recreated", stream=self.config.stream)
            except Exception as exc:
                delay = await self._back_off(exc, delay)
        while self._reads_ahead:  # delivered to this consumer already: handle them now
            try:
                await self.read_once()
            except Exception as exc:  # left pending: reclaimed after min_idle_ms
                log.warning("consumer.last_read_failed", error=f"{type(exc).__name__}: {exc}")
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    async def _back_off(self, exc: Exception, delay: float) -> float:
        self.read_error = f"{type(exc).__name__}: {exc}"
        log.warning(
            "consumer.read_failed", stream=self.config.stream, error=self.read_error,
            retry_in_s=delay,
        )  # fmt: skip
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)
        return min(delay * 2, 10.0)

    async def read_once(self) -> int:
        """One XREADGROUP; its batch is handled in the background. Returns entries read.

        With `readahead` 0 the read waits for a free handler slot first, so what arrived
        while the handler worked comes back as one batch: a consumer whose batches cost
        more to start than to grow (the enricher) batches itself under load and still
        takes a lone entry at once when idle.

        Otherwise the next `readahead` XREADGROUPs are sent as soon as this one answers,
        before this batch is decoded. Redis writes replies only after running every command
        it read in the same turn, so a read that arrives beside a handler's script answers
        when that script ends: with one read ahead the loop would get its next batch only
        after the scripts queued with it, and Redis would idle while that batch is decoded.
        Two reads ahead keep a batch in hand to decode while Redis works on the previous
        ones.

        A `read_gate` (readahead 0 only) is awaited after the slot: a handler with a second
        slot (`inflight` 2) whose batches share one costly step (the enricher's tagging) has
        the next batch read when that step is free, so the batch holds what arrived during
        it, and is decoded and made ready while the previous batch finishes (publishes).
        The gate is passed by while the last read came back full: the stream then holds a
        backlog, the next batch is full whenever it is read, and reading it during the gated
        step has it decoded and ready when that step frees, instead of leaving the step idle
        for a read, a decode and the handler's first round trip (the enricher's drafting
        thread was idle 22% of the time draining a backlog, and drained it ~11% faster
        without the wait)."""
        if self.config.readahead:
            return await self._read(holding_slot=False)
        await self._slots.acquire()
        try:
            if self.read_gate is not None and not self._backlog:
                await self.read_gate()
            return await self._read(holding_slot=True)
        except BaseException:
            self._slots.release()
            raise

    async def _read(self, *, holding_slot: bool) -> int:
        """Reads and decodes one batch and starts its handler, which frees the slot; a
        slot held on entry is freed here when nothing is left to handle."""
        sent = self._reads_ahead.popleft() if self._reads_ahead else None
        reply = await (sent or self._xreadgroup())
        entries = _entries(reply)
        self._backlog = len(entries) >= self.config.batch_size
        if entries and not self._stopping.is_set():
            while len(self._reads_ahead) < self.config.readahead:
                self._reads_ahead.append(asyncio.ensure_future(self._xreadgroup()))
            await asyncio.sleep(0)  # lets them be sent now, not at the first pause of decode
        items = await self.decode(entries, deliveries=1)
        if not items:
            if holding_slot:
                self._slots.release()
            return len(entries)
        if not holding_slot:
            await self._slots.acquire()
        task = asyncio.create_task(self._handle_fresh(items))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return len(entries)

    async def _xreadgroup(self) -> Any:
        cfg = self.config
        return await self.redis.xreadgroup(
            cfg.group, cfg.consumer, {cfg.stream: ">"}, count=cfg.batch_size, block=cfg.block_ms
        )

    async def decode(self, entries: Sequence[RawEntry], *, deliveries: int) -> list[T]:
        """Entries of a raw reply to items; whatever fails to decode is dead-lettered alone."""
        items: list[T] = []
        decode = self.handler.decode
        for n, entry in enumerate(entries, start=1):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # HTTP requests share this event loop
            if not entry:
                continue  # deleted while pending: XAUTOCLAIM reports it apart
            try:
                items.append(decode(entry))
            except Exception as exc:
                await self.outcomes.poison(entry, exc, deliveries)
        return items

    async def _handle_fresh(self, items: list[T]) -> None:
        try:
            await self.outcomes.handle(items, Batch(self._fresh, 1))
        finally:
            self._slots.release()
