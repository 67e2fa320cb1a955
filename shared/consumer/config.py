"""A consumer group's knobs, as every service sets them from `NEWSDESK_*` settings."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any, Self

from shared.settings import Settings


@dataclass(frozen=True)
class ConsumerConfig:
    """How one process reads one stream in one group.

    `readahead` XREADGROUPs are sent while the previous batch is decoded, and up to
    `inflight` batches are handled at once: a handler that waits on Redis (a count script)
    overlaps with the next batch's decoding. Handlers whose batches must not overlap (the
    enricher assigns stories in order) keep `inflight=1`. With `readahead=0` a read waits
    for a free slot instead, so whatever arrived meanwhile is read as one batch: for handlers
    whose per-batch cost dwarfs their per-entry cost, at the price of not overlapping the
    read with the previous batch.
    """

    stream: str
    group: str
    consumer: str
    service: str
    batch_size: int = 100
    block_ms: int = 1000
    min_idle_ms: int = 30_000
    max_deliveries: int = 5
    max_entry_bytes: int = 5 * 1024 * 1024
    readahead: int = 1
    inflight: int = 1
    stop_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.inflight < 1 or self.readahead < 0:
            raise ValueError("inflight must be at least 1 and readahead at least 0")

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
            stop_timeout_s=settings.shutdown_timeout_s,
            **extra,
        )

    @property
    def claim_interval_ms(self) -> int:
        """How often to look for entries idle for min_idle_ms: often enough to take them over
        soon after, never busier than every 200 ms."""
        return max(200, min(self.min_idle_ms // 4, 5000))


def consumer_name(configured: str | None, service: str) -> str:
    """Unique per process, so two replicas of a service never share pending entries."""
    return configured or f"{service}-{socket.gethostname()}-{os.getpid()}"
