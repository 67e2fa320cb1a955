"""Taking over what another consumer left pending: XAUTOCLAIM, delivery counts, dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.broker import RedisClient
from shared.consumer.config import ConsumerConfig
from shared.consumer.entries import entry_fields
from shared.consumer.handler import Batch
from shared.consumer.outcomes import Outcomes
from shared.logging import get_logger

if TYPE_CHECKING:
    from shared.consumer.runner import StreamRunner

log = get_logger(__name__)


class Reclaimer:
    """Entries idle for min_idle_ms (any consumer's, a dead one's or this one's own failed
    ones) are claimed and handled again; one delivered more than max_deliveries times is
    dead-lettered instead, so an entry that always fails cannot circle forever."""

    def __init__(self, config: ConsumerConfig, redis: RedisClient, outcomes: Outcomes[Any]) -> None:
        self.config = config
        self.redis = redis
        self.outcomes = outcomes

    async def reclaim(self, runner: StreamRunner[Any]) -> int:
        """Returns how many entries were claimed."""
        cfg = self.config
        reply = await self.redis.xautoclaim(
            cfg.stream, cfg.group, cfg.consumer, cfg.min_idle_ms, "0-0", count=cfg.batch_size
        )
        entries = [e for e in reply[1] if e] if reply and len(reply) > 1 else []
        if not entries:
            return 0
        counts = await self._deliveries([entry[0] for entry in entries])
        by_deliveries: dict[int, list[Any]] = {}
        for entry in entries:
            times = counts.get(entry[0], 1)
            if times > cfg.max_deliveries:
                reason = f"not handled after {times - 1} deliveries"
                fields = entry_fields(entry[1])
                await self.outcomes.dead_letter(entry[0], fields, reason, times - 1)
            else:
                by_deliveries.setdefault(times, []).append(entry)
        for times, retry in sorted(by_deliveries.items()):
            items = await runner.decode(retry, deliveries=times)
            if items:
                log.warning("consumer.reclaimed", stream=cfg.stream, count=len(items))
                await self.outcomes.handle(items, Batch(None, times))
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
