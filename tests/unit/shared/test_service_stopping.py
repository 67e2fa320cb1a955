"""A service's shutdown steps are bounded: one that never ends is logged and left behind."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
from structlog.testing import capture_logs

from shared.periodic import Periodic, cancel_requested
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


async def test_asyncio_wait_for_on_this_python_can_swallow_a_cancellation() -> None:
    """Why Periodic checks a stop flag: redis-py sends every command through
    `asyncio.wait_for` when a socket timeout is set, and up to Python 3.11 `wait_for`
    returns the result, and drops the cancellation, of an operation that completes just as
    its task is cancelled (CPython gh-86296, fixed in 3.12)."""
    loop = asyncio.get_running_loop()
    sent: asyncio.Future[int] = loop.create_future()
    task = asyncio.create_task(asyncio.wait_for(sent, 10))
    await asyncio.sleep(0)  # the task now awaits wait_for's inner waiter
    sent.set_result(1)  # the send completes...
    task.cancel()  # ...and the stop's cancel arrives before the task runs again
    if sys.version_info >= (3, 12):
        with pytest.raises(asyncio.CancelledError):
            await task
    else:
        assert await task == 1  # the cancellation is gone: the caller goes on as if sent


async def test_a_periodic_step_caught_in_that_race_still_stops() -> None:
    """The same race inside a step, as in a ranking upkeep task at shutdown."""
    loop = asyncio.get_running_loop()
    pending: list[asyncio.Future[int]] = []

    async def sends() -> None:
        sent: asyncio.Future[int] = loop.create_future()
        pending.append(sent)
        await asyncio.wait_for(sent, 10)

    periodic = Periodic("upkeep", sends, 0.01, at_once=True)
    await periodic.start()
    await asyncio.sleep(0.005)  # inside the first step's wait_for
    pending[-1].set_result(1)
    await asyncio.wait_for(periodic.stop(), 2.0)
    assert not periodic.running


async def test_a_loop_that_checks_cancel_requested_ends_after_the_race() -> None:
    """The ingest feed poller and drop folder loop `while not cancel_requested()`."""
    loop = asyncio.get_running_loop()
    pending: list[asyncio.Future[int]] = []

    async def polls() -> None:
        while not cancel_requested():
            sent: asyncio.Future[int] = loop.create_future()
            pending.append(sent)
            await asyncio.wait_for(sent, 10)

    task = asyncio.create_task(polls())
    await asyncio.sleep(0)
    pending[-1].set_result(1)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2.0)
    assert task in done
    assert len(pending) == 1  # no second round after the cancellation
