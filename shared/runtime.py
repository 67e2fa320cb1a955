"""What a running service holds: its settings, connections, metrics and background work.

Routes and health checks read it and tests inspect it; it lives apart from the app frame
(`shared.service`) so that the health routes can read it without importing the frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from faststream.redis import RedisBroker

from shared.metrics import ServiceMetrics
from shared.settings import Settings

Hook = Callable[[], Awaitable[None]]
Check = Callable[[], str | None]


@dataclass
class Runtime:
    """What a running service holds; routes and health checks read it, tests inspect it."""

    name: str
    settings: Settings
    broker: RedisBroker
    redis: aioredis.Redis
    metrics: ServiceMetrics
    groups: Sequence[tuple[str, str]] = ()
    on_start: Sequence[Hook] = ()
    # Run first on shutdown, while Redis is still open: loops outside the broker finish and
    # ack their work here.
    on_stop: Sequence[Hook] = ()
    # Loops outside the broker (ranking's views loop) say here why they are not ready.
    checks: Sequence[Check] = ()
    started: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def consumes(self) -> bool:
        return bool(self.broker.subscribers)
