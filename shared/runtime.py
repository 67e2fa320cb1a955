"""What a running service holds: its settings, connections, metrics and background work.

Routes and health checks read it and tests inspect it; it lives apart from the app frame
(`shared.service`) so that the health routes can read it without importing the frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from faststream.redis import RedisBroker

from shared.broker import RedisClient
from shared.consumer.runner import StreamRunner
from shared.metrics import ServiceMetrics
from shared.settings import Settings

Hook = Callable[[], Awaitable[None]]
Check = Callable[[], str | None]


@dataclass
class Runtime:
    """What a running service holds; routes and health checks read it, tests inspect it.

    `broker` is the FastStream description of the service's streams (what it consumes and
    publishes, with their message schemas) that the AsyncAPI document is generated from; the
    `runners` consume, one consumer group each.
    """

    name: str
    settings: Settings
    broker: RedisBroker
    redis: RedisClient
    metrics: ServiceMetrics
    runners: Sequence[StreamRunner[Any]] = ()
    on_start: Sequence[Hook] = ()
    # Run on shutdown after the runners stopped, while Redis is still open.
    on_stop: Sequence[Hook] = ()
    # Other background work says here why the service is not ready.
    checks: Sequence[Check] = ()
    started: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def consumes(self) -> bool:
        return bool(self.runners)

    @property
    def groups(self) -> list[tuple[str, str]]:
        """(stream, group) of every runner: what the service trims and reports lag for."""
        return [(r.config.stream, r.config.group) for r in self.runners]
