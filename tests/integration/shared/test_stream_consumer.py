"""The consumer-group runner against a real Redis: acks, dead letters, poison entries,
retries, and reclaiming what a dead consumer left pending."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import orjson
import pytest
import redis.asyncio as aioredis
from pydantic import BaseModel, field_validator

from shared.consumer.config import ConsumerConfig
from shared.consumer.entries import Delivery, ModelEntries
from shared.consumer.handler import Batch, Failures
from shared.consumer.runner import StreamRunner
from shared.deadletter import list_dead_letters, retry_dead_letters
from shared.errors import PermanentError
from shared.metrics import ServiceMetrics
from shared.settings import Settings
from tests.waiting import eventually


class Note(BaseModel):
    n: int
    mode: str = "ok"

    @field_validator("n")
    @classmethod
    def _fits(cls, value: int) -> int:
        """Like a time zone shift past year 9999: not a ValueError, so not a ValidationError."""
        if value > 10**9:
            raise OverflowError("date value out of range")
        return value


class Recorder(ModelEntries[Note]):
    """Handles notes one by one; the mode says how a note fails."""

    runner_acks = True

    def __init__(self) -> None:
        super().__init__(Note, max_bytes=1 << 20)
        self.seen: list[int] = []
        self.attempts: dict[int, int] = {}
        self.batches: list[tuple[int, bool]] = []  # (size, fresh) of each handle call

    async def handle(self, items: Sequence[Delivery[Note]], batch: Batch) -> Failures:
        self.batches.append((len(items), batch.fresh is not None))
        failures: dict[bytes, BaseException] = {}
        for item in items:
            note = item.message
            self.attempts[note.n] = self.attempts.get(note.n, 0) + 1
            if note.mode == "permanent":
                failures[item.entry_id] = PermanentError("this note can never be handled")
            elif note.mode == "flaky" and self.attempts[note.n] < 2:
                failures[item.entry_id] = RuntimeError("try again")
            elif note.mode == "always":
                failures[item.entry_id] = RuntimeError("still broken")
            elif note.mode == "slow" and self.attempts[note.n] == 1:
                await asyncio.sleep(1.2)  # four times min_idle_ms
                self.seen.append(note.n)
            elif note.mode == "raise":
                raise RuntimeError("the whole batch fails")
            else:
                self.seen.append(note.n)
        return failures


NoteRunner = StreamRunner[Delivery[Note]]


def config(
    stream: str, consumer: str = "c1", readahead: int = 1, inflight: int = 1
) -> ConsumerConfig:
    return ConsumerConfig(
        stream=stream,
        group="g",
        consumer=consumer,
        service="test",
        batch_size=10,
        block_ms=100,
        min_idle_ms=300,
        max_deliveries=3,
        readahead=readahead,
        inflight=inflight,
    )


@pytest.fixture
def stream(settings: Settings) -> str:
    return f"{{{settings.key_prefix}}}:notes"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def runner(
    redis_client: aioredis.Redis, stream: str, recorder: Recorder
) -> AsyncIterator[NoteRunner]:
    running = StreamRunner(config(stream), redis_client, ServiceMetrics("test"), recorder)
    yield running
    await running.stop()


async def pending(redis: aioredis.Redis, stream: str) -> int:
    return int((await redis.xpending(stream, "g"))["pending"])


async def test_good_entries_are_handled_and_acked(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    await runner.start()
    for n in range(5):
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
    await eventually(lambda: _async(len(recorder.seen) == 5))
    await eventually(lambda: _async_pending_is(redis_client, stream, 0))
    await runner.stop()
    assert recorder.seen == [0, 1, 2, 3, 4]


async def test_poison_and_permanent_failures_are_dead_lettered_without_blocking(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    await runner.start()
    await redis_client.xadd(stream, {"__data__": b"\xff\xfe not json"})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": "x"})})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 1, "mode": "permanent"})})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 2})})
    await eventually(lambda: _async(recorder.seen == [2]))
    letters = await eventually(lambda: _letters(redis_client, stream, 3))
    await runner.stop()
    errors = [d.error for d in letters]
    assert errors[0].startswith("entry is not JSON")
    assert "invalid n" in errors[1]
    assert "can never be handled" in errors[2]
    assert all(d.service == "test" and d.source_stream == stream for d in letters)
    assert letters[0].fields[b"__data__"] == b"\xff\xfe not json"
    assert await pending(redis_client, stream) == 0


async def test_transient_failure_is_retried_then_dead_lettered_after_max_deliveries(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    await runner.start()
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 7, "mode": "flaky"})})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 8, "mode": "always"})})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 9})})
    await eventually(lambda: _async(sorted(recorder.seen) == [7, 9]), timeout_s=15)
    (letter,) = await eventually(lambda: _letters(redis_client, stream, 1), timeout_s=15)
    await runner.stop()
    assert recorder.attempts[7] == 2
    assert recorder.attempts[8] == 3
    assert letter.attempts == 3
    assert "still broken" in letter.error
    assert await pending(redis_client, stream) == 0


async def test_entries_left_pending_by_a_dead_consumer_are_reclaimed(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    await redis_client.xgroup_create(stream, "g", id="0", mkstream=True)
    for n in range(3):
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
    # A consumer reads them and dies without acking.
    await redis_client.xreadgroup("g", "dead", {stream: ">"}, count=10)
    assert await pending(redis_client, stream) == 3
    await runner.start()
    await eventually(lambda: _async(sorted(recorder.seen) == [0, 1, 2]), timeout_s=15)
    await eventually(lambda: _async_pending_is(redis_client, stream, 0))
    await runner.stop()


async def test_dead_letter_retry_republishes_the_original_bytes(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    await runner.start()
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 3, "mode": "permanent"})})
    (letter,) = await eventually(lambda: _letters(redis_client, stream, 1))
    dry = await retry_dead_letters(redis_client, stream, None, dry_run=True)
    assert dry == [letter.id]
    assert len(await list_dead_letters(redis_client, stream)) == 1
    await retry_dead_letters(redis_client, stream, [letter.id], dry_run=False)
    # It fails again (permanent), so it comes back to the dead-letter stream once more.
    await eventually(lambda: _async(recorder.attempts.get(3) == 2))
    (again,) = await eventually(lambda: _letters(redis_client, stream, 1))
    await runner.stop()
    assert again.fields == letter.fields
    assert again.id != letter.id


async def _async(value: bool) -> bool:
    return value


async def _async_pending_is(redis: aioredis.Redis, stream: str, count: int) -> bool:
    return await pending(redis, stream) == count


async def _letters(redis: aioredis.Redis, stream: str, count: int) -> Sequence[object] | None:
    letters = await list_dead_letters(redis, stream)
    return letters if len(letters) == count else None


async def test_an_entry_that_cannot_be_decoded_is_dead_lettered_alone_at_once(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    """A validator that raises something other than ValueError (OverflowError) escapes
    pydantic unwrapped: still poison, still alone, still at once, with the real error."""
    await runner.start()
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 1})})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 10**12})})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 2})})
    (letter,) = await eventually(lambda: _letters(redis_client, stream, 1), timeout_s=5)
    await eventually(lambda: _async(sorted(recorder.seen) == [1, 2]))
    await runner.stop()
    assert letter.attempts == 1
    assert letter.error == "OverflowError: date value out of range"
    assert await pending(redis_client, stream) == 0


async def test_a_failing_batch_is_retried_entry_by_entry_once_reclaimed(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    """One entry that makes its whole batch raise cannot hold its neighbours: reclaimed,
    the batch is retried one entry at a time and only that entry fails to the end."""
    await redis_client.xgroup_create(stream, "g", id="0", mkstream=True)
    for n in range(3):
        mode = "raise" if n == 1 else "ok"
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n, "mode": mode})})
    await runner.start()
    (letter,) = await eventually(lambda: _letters(redis_client, stream, 1), timeout_s=15)
    await runner.stop()
    assert sorted(set(recorder.seen)) == [0, 2]
    assert "the whole batch fails" in letter.error
    assert (1, False) in recorder.batches  # retried alone, as a reclaimed batch
    assert await pending(redis_client, stream) == 0


async def test_stop_handles_what_was_read_and_reports_it_in_health(
    redis_client: aioredis.Redis,
    stream: str,
    recorder: Recorder,
    runner: StreamRunner[Delivery[Note]],
) -> None:
    assert runner.health() == f"consumer of {stream} not running (not started)"
    await runner.start()
    assert runner.health() is None
    for n in range(30):
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
    await eventually(lambda: _async(len(recorder.seen) > 0))
    await runner.stop()
    (group,) = await redis_client.xinfo_groups(stream)
    assert group["pending"] == 0
    assert len(recorder.seen) == int(group["entries-read"])
    assert runner.health() == f"consumer of {stream} not running (stopped)"


async def test_a_batch_that_takes_long_is_not_taken_over_while_it_runs(
    redis_client: aioredis.Redis, stream: str, recorder: Recorder, runner: NoteRunner
) -> None:
    """Work still under way is claimed again and again (idle time reset), so neither this
    consumer's reclaimer nor another consumer handles it a second time."""
    await runner.start()
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 1, "mode": "slow"})})
    await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 2})})
    await eventually(lambda: _async(sorted(recorder.seen) == [1, 2]), timeout_s=5)
    await asyncio.sleep(0.5)  # a takeover would have handled it again by now
    await runner.stop()
    assert recorder.attempts[1] == 1
    assert all(fresh for _, fresh in recorder.batches)  # nothing was reclaimed
    assert await pending(redis_client, stream) == 0


class Gated(Recorder):
    """Holds its first batch until `gate` opens, as a busy enricher does."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.holding = asyncio.Event()

    async def handle(self, items: Sequence[Delivery[Note]], batch: Batch) -> Failures:
        if not self.holding.is_set():
            self.holding.set()
            await self.gate.wait()
        return await super().handle(items, batch)


@pytest.mark.parametrize("readahead", [0, 1])
async def test_without_readahead_what_arrived_during_a_batch_is_read_as_one(
    redis_client: aioredis.Redis, stream: str, readahead: int
) -> None:
    """With no read ahead, the read waits for the handler, so the five notes added while it
    worked come back together; a read ahead, sent before, takes the first alone."""
    gated = Gated()
    runner = StreamRunner(
        config(stream, readahead=readahead), redis_client, ServiceMetrics("test"), gated
    )
    await runner.start()
    try:
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 0})})
        await asyncio.wait_for(gated.holding.wait(), timeout=5)
        for n in range(1, 6):
            await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
        await asyncio.sleep(0.2)  # a read already waiting in Redis has its entry by now
        gated.gate.set()
        await eventually(lambda: _async(len(gated.seen) == 6))
    finally:
        await runner.stop()
    sizes = [size for size, _ in gated.batches]
    if readahead == 0:
        assert sizes == [1, 5]
    else:
        assert sizes[:2] == [1, 1]
    assert sorted(gated.seen) == list(range(6))
    assert await pending(redis_client, stream) == 0


async def test_a_read_gate_holds_the_next_read_while_a_second_slot_is_free(
    redis_client: aioredis.Redis, stream: str
) -> None:
    """The enricher's shape: two batches in hand, the next read only once the gate (its
    drafting step) is free. What arrived before the gate opened is read as one batch and
    handled while the first batch is still held."""
    gated, read_gate = Gated(), asyncio.Event()
    runner = StreamRunner(
        config(stream, readahead=0, inflight=2), redis_client, ServiceMetrics("test"), gated,
        read_gate=read_gate.wait,
    )  # fmt: skip
    read_gate.set()
    await runner.start()
    try:
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 0})})
        await asyncio.wait_for(gated.holding.wait(), timeout=5)
        read_gate.clear()
        await asyncio.sleep(0.3)  # a read not held by the gate would take note 1 alone
        for n in range(1, 6):
            await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
        read_gate.set()
        await eventually(lambda: _async(len(gated.seen) == 5))
        assert gated.seen == [1, 2, 3, 4, 5]  # while note 0's batch is still held
        gated.gate.set()
        await eventually(lambda: _async(len(gated.seen) == 6))
    finally:
        gated.gate.set()
        await runner.stop()
    assert [size for size, _ in gated.batches] == [5, 1]
    assert await pending(redis_client, stream) == 0


async def test_a_read_gate_is_passed_by_while_reads_come_back_full(
    redis_client: aioredis.Redis, stream: str
) -> None:
    """A backlog: each read fills a batch, so the next one is read at once, gate or not, and
    is ready when the gated step frees. The first read short of a batch brings the gate back:
    what arrives after it waits for the gate and is read as one batch."""
    gated, read_gate = Gated(), asyncio.Event()
    runner = StreamRunner(
        config(stream, readahead=0, inflight=2), redis_client, ServiceMetrics("test"), gated,
        read_gate=read_gate.wait,
    )  # fmt: skip
    await runner.ensure_group()
    for n in range(25):  # batches of 10: two full reads, then one of 5
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
    read_gate.set()
    await runner.start()
    try:
        await asyncio.wait_for(gated.holding.wait(), timeout=5)
        read_gate.clear()
        await eventually(lambda: _async(len(gated.seen) == 15))
        assert gated.seen == list(range(10, 25))  # read past the closed gate: a backlog
        for n in range(25, 28):
            await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
        await asyncio.sleep(0.3)
        assert len(gated.seen) == 15  # the last read was short: the gate holds the next
        read_gate.set()
        await eventually(lambda: _async(len(gated.seen) == 18))
        gated.gate.set()
        await eventually(lambda: _async(len(gated.seen) == 28))
    finally:
        gated.gate.set()
        read_gate.set()
        await runner.stop()
    assert [size for size, _ in gated.batches] == [10, 5, 3, 10]  # the held one ends last
    assert await pending(redis_client, stream) == 0
