"""A service's shutdown steps are bounded: one that never ends is logged and left behind."""

from __future__ import annotations

import asyncio
import time

import pytest
from structlog.testing import capture_logs

from shared.periodic import Periodic
from shared.service import bounded


async def _ignores_cancellation(released: asyncio.Event) -> None:
    """Upkeep that catches its own cancellation and goes on, as a swallowed CancelledError
    would make it (until the test releases it)."""
    while not released.is_set():
        try:
            await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            continue


async def test_a_step_that_never_ends_is_left_behind_and_named_with_what_it_awaits() -> None:
    released = asyncio.Event()
    stuck = asyncio.create_task(_ignores_cancellation(released), name="stuck-upkeep")
    await asyncio.sleep(0.02)  # inside its loop, where it catches the cancellation
    stuck.cancel()

    async def stop() -> None:
        await stuck

    started = time.monotonic()
    with capture_logs() as logs:
        await bounded(stop(), "Upkeep.stop", 0.2)
    assert time.monotonic() - started < 2
    (line,) = [entry for entry in logs if entry["event"] == "service.stop_step_timeout"]
    assert line["step"] == "Upkeep.stop"
    assert any("_ignores_cancellation" in frame for frame in line["tasks"]["stuck-upkeep"])
    assert not stuck.done()  # still running: the shutdown went on without it
    released.set()
    await stuck


async def test_a_step_that_ends_in_time_logs_nothing_and_raises_its_error() -> None:
    periodic = Periodic("upkeep", lambda: asyncio.sleep(0), 0.01, at_once=True)
    await periodic.start()
    with capture_logs() as logs:
        await bounded(periodic.stop(), "Periodic.stop upkeep", 1.0)
    assert not periodic.running
    assert not [entry for entry in logs if entry["event"] == "service.stop_step_timeout"]

    async def fails() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await bounded(fails(), "fails", 1.0)


async def test_a_periodic_step_that_swallows_its_cancellation_still_stops() -> None:
    entered = asyncio.Event()

    async def swallows() -> None:
        entered.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return  # as a client library that catches it around a read would

    periodic = Periodic("upkeep", swallows, 0.01, at_once=True)
    await periodic.start()
    await entered.wait()
    await asyncio.wait_for(periodic.stop(), 2.0)
    assert not periodic.running
