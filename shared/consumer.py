"""A consumer group on one stream, on FastStream subscribers, with the guarantees DESIGN asks.

Two subscribers share the group: a batch reader of new entries and a claimer
(`min_idle_time`, XAUTOCLAIM) that takes over entries a dead or failing consumer left
pending. FastStream acks nothing here (`AckPolicy.MANUAL`): its `nack()` never XACKs on
Redis Streams, so acking and dead-lettering are done explicitly:

- a poison entry (undecodable, wrong schema, newer schema_version) is dead-lettered at once;
- a `PermanentError` from the handler dead-letters the entry;
- anything else leaves it pending; the claimer retries it one entry at a time, and after
  `max_deliveries` attempts it is dead-lettered. A bad entry never blocks its stream.

The batch parser is bypassed (`_keep_raw`): FastStream decodes a whole batch at once and one
non-UTF-8 entry would fail every entry beside it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

import redis.asyncio as aioredis
import structlog
from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage, RedisStreamMessage
from pydantic import BaseModel, ValidationError

from shared.deadletter import dead_letter
from shared.errors import PermanentError
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.payloads import entry_dict
from shared.settings import Settings

M = TypeVar("M", bound=BaseModel)
log = get_logger(__name__)


@dataclass(frozen=True)
class Delivery(Generic[M]):
    """A decoded entry with what the handler needs to ack it or judge a retry."""

    entry_id: str
    message: M
    deliveries: int


OneHandler = Callable[[M, str], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerConfig:
    stream: str
    group: str
    consumer: str
    service: str
    batch_size: int = 100
    block_ms: int = 1000
    min_idle_ms: int = 30_000
    max_deliveries: int = 5
    max_entry_bytes: int = 5 * 1024 * 1024

    @classmethod
    def from_settings(
        cls, settings: Settings, *, stream: str, group: str, service: str, batch_size: int,
        **extra: Any,
    ) -> Self:  # fmt: skip
        """The group's knobs as every service sets them (NEWSDESK_BLOCK_MS, _MIN_IDLE_MS...)."""
        return cls(
            stream=stream,
            group=group,
            consumer=consumer_name(settings.consumer_name, service),
            service=service,
            batch_size=batch_size,
            block_ms=settings.block_ms,
            min_idle_ms=settings.min_idle_ms,
            max_deliveries=settings.max_deliveries,
            **extra,
        )

    @property
    def claim_interval_ms(self) -> int:
        """How often to look for entries idle for min_idle_ms: often enough to take them over
        soon after, never busier than every 200 ms."""
        return max(200, min(self.min_idle_ms // 4, 5000))


async def _keep_raw(msg: Mapping[str, Any], original: Callable[..., Awaitable[Any]]) -> Any:
    stripped = dict(msg)
    stripped["data"] = [{} for _ in msg["data"]]
    stripped["entries"] = msg["data"]
    return await original(stripped)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "message"
        return f"invalid {where}: {first['msg']} ({exc.error_count()} error(s))"
    return f"{type(exc).__name__}: {exc}"


class StreamConsumer(Generic[M]):
    """Consumes `config.stream` into `handle_one`, acking what it handled."""

    def __init__(
        self,
        *,
        config: ConsumerConfig,
        model: type[M],
        redis: aioredis.Redis,
        metrics: ServiceMetrics,
        handle_one: OneHandler[M],
    ) -> None:
        self.config = config
        self.model = model
        self.redis = redis
        self.metrics = metrics
        self.handle_one = handle_one

    def register(self, broker: RedisBroker, *, title: str, description: str) -> None:
        cfg = self.config
        reader = StreamSub(
            cfg.stream,
            group=cfg.group,
            consumer=cfg.consumer,
            batch=True,
            max_records=cfg.batch_size,
            polling_interval=cfg.block_ms,
        )
        claimer = StreamSub(
            cfg.stream,
            group=cfg.group,
            consumer=cfg.consumer,
            min_idle_time=cfg.min_idle_ms,
            polling_interval=cfg.claim_interval_ms,
        )
        broker.subscriber(
            stream=reader,
            ack_policy=AckPolicy.MANUAL,
            parser=_keep_raw,
            title=title,
            description=description,
        )(self.on_batch)
        broker.subscriber(
            stream=claimer,
            ack_policy=AckPolicy.MANUAL,
            title=f"{title}:reclaim",
            description=f"Takes over {cfg.stream} entries pending for {cfg.min_idle_ms} ms.",
        )(self.on_claimed)

    async def on_batch(self, msg: RedisBatchStreamMessage) -> None:
        ids = [i.decode() for i in msg.raw_message["message_ids"]]
        entries = msg.raw_message["entries"]  # type: ignore[typeddict-item]
        await self.process(list(zip(ids, entries, strict=True)), deliveries=1)

    async def on_claimed(self, msg: RedisStreamMessage) -> None:
        entry_id = msg.raw_message["message_ids"][0].decode()
        deliveries = await msg.get_delivery_count()
        await self.process([(entry_id, msg.raw_message["data"])], deliveries=deliveries)

    async def process(
        self, entries: Sequence[tuple[str, Mapping[bytes, bytes]]], *, deliveries: int
    ) -> None:
        started = time.perf_counter()
        decoded: list[Delivery[M]] = []
        fields_by_id: dict[str, Mapping[bytes, bytes]] = {}
        for entry_id, fields in entries:
            fields_by_id[entry_id] = fields
            try:
                doc = entry_dict(dict(fields), max_bytes=self.config.max_entry_bytes)
                decoded.append(Delivery(entry_id, self.model.model_validate(doc), deliveries))
            except (PermanentError, ValidationError) as exc:
                await self._dead_letter(entry_id, fields, exc, deliveries)
        await self._run_each(decoded, fields_by_id)
        self.metrics.latency.labels(self.config.stream).observe(time.perf_counter() - started)

    async def _run_each(
        self, decoded: list[Delivery[M]], fields_by_id: Mapping[str, Mapping[bytes, bytes]]
    ) -> None:
        done: list[str] = []
        for item in decoded:
            with structlog.contextvars.bound_contextvars(entry_id=item.entry_id):
                try:
                    await self.handle_one(item.message, item.entry_id)
                except Exception as exc:
                    await self._failed(item, fields_by_id[item.entry_id], exc)
                    continue
            done.append(item.entry_id)
        if done:
            await self.redis.xack(self.config.stream, self.config.group, *done)
            self.metrics.handled.labels(self.config.stream).inc(len(done))

    async def _failed(
        self, item: Delivery[M], fields: Mapping[bytes, bytes], exc: Exception
    ) -> None:
        if isinstance(exc, PermanentError) or item.deliveries >= self.config.max_deliveries:
            await self._dead_letter(item.entry_id, fields, exc, item.deliveries)
            return
        self.metrics.failed.labels(self.config.stream, "retried").inc()
        log.warning(
            "entry.failed",
            entry_id=item.entry_id,
            attempts=item.deliveries,
            error=_describe(exc),
        )

    async def _dead_letter(
        self, entry_id: str, fields: Mapping[bytes, bytes], exc: Exception, attempts: int
    ) -> None:
        reason = _describe(exc)
        await dead_letter(
            self.redis,
            stream=self.config.stream,
            group=self.config.group,
            entry_id=entry_id,
            fields=fields,
            error=reason,
            service=self.config.service,
            attempts=attempts,
        )
        self.metrics.failed.labels(self.config.stream, "dead_lettered").inc()
        log.error("entry.dead_lettered", entry_id=entry_id, attempts=attempts, error=reason)


def consumer_name(configured: str | None, service: str) -> str:
    """Unique per process, so two replicas of a service never share pending entries."""
    return configured or f"{service}-{socket.gethostname()}-{os.getpid()}"
