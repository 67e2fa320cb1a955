"""A background task that calls one coroutine at a fixed pace, for the service's upkeep, and
the check every such loop makes so that a lost cancellation cannot keep it alive."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from shared.logging import get_logger

log = get_logger(__name__)


def cancel_requested() -> bool:
    """Whether this task was asked to stop, even if the CancelledError was lost on the way.

    Python 3.11's `asyncio.wait_for`, which redis-py sends every command through, drops a
    cancellation that arrives as its operation completes (CPython gh-86296); the task's
    `cancelling()` count still says it was asked. A loop that runs until cancelled checks
    this before each round, so it ends either way."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class Periodic:
    """Calls `step` every `interval_s` (the first time at once, or after one interval), until
    stopped. A failing step is logged and tried again next time: upkeep never ends the task.

    Stopping cancels the task, and the loop checks `cancel_requested` before each round: a
    step whose cancellation is lost on the way would otherwise return normally, sleep and go
    on for good, and `stop` would wait on it forever: the shape of a ranking process that
    once never exited after SIGTERM."""

    def __init__(
        self, name: str, step: Callable[[], Awaitable[object]], interval_s: float, *, at_once: bool
    ) -> None:
        self.name = name
        self.step = step
        self.interval_s = interval_s
        self.at_once = at_once
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    async def _run(self) -> None:
        if not self.at_once:
            await asyncio.sleep(self.interval_s)
        while not cancel_requested():
            try:
                await self.step()
            except Exception as exc:  # Redis away: the next step catches up
                log.warning(f"{self.name}.failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self.interval_s)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # asyncio.wait, not `await task` under suppress(CancelledError): that would also
            # swallow a cancellation of the caller, and a bounded stop could never end it.
            await asyncio.wait([self._task])
            self._task = None
