"""The consumer-group frame against a real Redis and a real FastStream broker: acks,
dead letters, poison entries and reclaiming what a dead consumer left pending."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
import pytest
import redis.asyncio as aioredis
from pydantic import BaseModel

from shared.broker import make_broker
from shared.consumer import ConsumerConfig, StreamConsumer
from shared.deadletter import list_dead_letters, retry_dead_letters
from shared.errors import PermanentError
from shared.metrics import ServiceMetrics
from shared.settings import Settings
from tests.waiting import eventually


class Note(BaseModel):
    n: int
    mode: str = "ok"


class Recorder:
    def __init__(self) -> None:
        self.seen: list[int] = []
        self.attempts: dict[int, int] = {}

    async def handle(self, note: Note, entry_id: str) -> None:
        self.attempts[note.n] = self.attempts.get(note.n, 0) + 1
        if note.mode == "permanent":
            raise PermanentError("this note can never be handled")
        if note.mode == "flaky" and self.attempts[note.n] < 2:
            raise RuntimeError("try again")
        if note.mode == "always":
            raise RuntimeError("still broken")
        self.seen.append(note.n)


def config(settings: Settings, stream: str, consumer: str = "c1") -> ConsumerConfig:
    return ConsumerConfig(
        stream=stream,
        group="g",
        consumer=consumer,
        service="test",
        batch_size=10,
        block_ms=100,
        min_idle_ms=300,
        max_deliveries=3,
    )


@pytest.fixture
def stream(settings: Settings) -> str:
    return f"{{{settings.key_prefix}}}:notes"


async def run_consumer(
    settings: Settings, redis: aioredis.Redis, stream: str, recorder: Recorder
) -> StreamConsumer[Note]:
    broker = make_broker(settings)
    consumer = StreamConsumer(
        config=config(settings, stream),
        model=Note,
        redis=redis,
        metrics=ServiceMetrics("test"),
        handle_one=recorder.handle,
    )
    consumer.register(broker, title="notes", description="test")
    await broker.start()
    consumer.broker = broker  # type: ignore[attr-defined]
    return consumer


async def pending(redis: aioredis.Redis, stream: str) -> int:
    return int((await redis.xpending(stream, "g"))["pending"])


async def test_good_entries_are_handled_and_acked(
    settings: Settings, redis_client: aioredis.Redis, stream: str
) -> None:
    recorder = Recorder()
    consumer = await run_consumer(settings, redis_client, stream, recorder)
    try:
        for n in range(5):
            await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
        await eventually(lambda: _async(len(recorder.seen) == 5))
        await eventually(lambda: _async_pending_is(redis_client, stream, 0))
    finally:
        await consumer.broker.stop()  # type: ignore[attr-defined]
    assert recorder.seen == [0, 1, 2, 3, 4]


async def test_poison_and_permanent_failures_are_dead_lettered_without_blocking(
    settings: Settings, redis_client: aioredis.Redis, stream: str
) -> None:
    recorder = Recorder()
    consumer = await run_consumer(settings, redis_client, stream, recorder)
    try:
        await redis_client.xadd(stream, {"__data__": b"\xff\xfe not json"})
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": "x"})})
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 1, "mode": "permanent"})})
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 2})})
        await eventually(lambda: _async(recorder.seen == [2]))
        letters = await eventually(lambda: _letters(redis_client, stream, 3))
    finally:
        await consumer.broker.stop()  # type: ignore[attr-defined]
    errors = [d.error for d in letters]
    assert "not JSON" in errors[0]
    assert "invalid n" in errors[1]
    assert "can never be handled" in errors[2]
    assert all(d.service == "test" and d.source_stream == stream for d in letters)
    assert letters[0].fields[b"__data__"] == b"\xff\xfe not json"
    assert await pending(redis_client, stream) == 0


async def test_transient_failure_is_retried_then_dead_lettered_after_max_deliveries(
    settings: Settings, redis_client: aioredis.Redis, stream: str
) -> None:
    recorder = Recorder()
    consumer = await run_consumer(settings, redis_client, stream, recorder)
    try:
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 7, "mode": "flaky"})})
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 8, "mode": "always"})})
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 9})})
        await eventually(lambda: _async(sorted(recorder.seen) == [7, 9]), timeout_s=15)
        (letter,) = await eventually(lambda: _letters(redis_client, stream, 1), timeout_s=15)
    finally:
        await consumer.broker.stop()  # type: ignore[attr-defined]
    assert recorder.attempts[7] == 2
    assert recorder.attempts[8] == 3
    assert letter.attempts == 3
    assert "still broken" in letter.error
    assert await pending(redis_client, stream) == 0


async def test_entries_left_pending_by_a_dead_consumer_are_reclaimed(
    settings: Settings, redis_client: aioredis.Redis, stream: str
) -> None:
    await redis_client.xgroup_create(stream, "g", id="0", mkstream=True)
    for n in range(3):
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": n})})
    # A consumer reads them and dies without acking.
    await redis_client.xreadgroup("g", "dead", {stream: ">"}, count=10)
    assert await pending(redis_client, stream) == 3
    recorder = Recorder()
    consumer = await run_consumer(settings, redis_client, stream, recorder)
    try:
        await eventually(lambda: _async(sorted(recorder.seen) == [0, 1, 2]), timeout_s=15)
        await eventually(lambda: _async_pending_is(redis_client, stream, 0))
    finally:
        await consumer.broker.stop()  # type: ignore[attr-defined]


async def test_dead_letter_retry_republishes_the_original_bytes(
    settings: Settings, redis_client: aioredis.Redis, stream: str
) -> None:
    recorder = Recorder()
    consumer = await run_consumer(settings, redis_client, stream, recorder)
    try:
        await redis_client.xadd(stream, {"__data__": orjson.dumps({"n": 3, "mode": "permanent"})})
        (letter,) = await eventually(lambda: _letters(redis_client, stream, 1))
        dry = await retry_dead_letters(redis_client, stream, None, dry_run=True)
        assert dry == [letter.id]
        assert len(await list_dead_letters(redis_client, stream)) == 1
        await retry_dead_letters(redis_client, stream, [letter.id], dry_run=False)
        # It fails again (permanent), so it comes back to the dead-letter stream once more.
        await eventually(lambda: _async(recorder.attempts.get(3) == 2))
        (again,) = await eventually(lambda: _letters(redis_client, stream, 1))
    finally:
        await consumer.broker.stop()  # type: ignore[attr-defined]
    assert again.fields == letter.fields
    assert again.id != letter.id


async def _async(value: bool) -> bool:
    return value


async def _async_pending_is(redis: aioredis.Redis, stream: str, count: int) -> bool:
    return await pending(redis, stream) == count


async def _letters(redis: aioredis.Redis, stream: str, count: int) -> Sequence[object] | None:
    letters = await list_dead_letters(redis, stream)
    return letters if len(letters) == count else None
