"""Dead-letter streams: where an entry goes when it can never succeed, with why.

Writing the dead letter and acking the original is one MULTI/EXEC, so an entry is never both
lost (acked without a dead letter) nor stranded twice (dead-lettered and still pending).
The original fields are kept byte for byte under `f:<name>` so a retry re-publishes exactly
what the producer sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from shared.broker import RedisClient
from shared.keys import DLQ_SUFFIX

ORIGINAL_PREFIX = b"f:"
Rows = list[tuple[bytes, dict[bytes, bytes]]]


@dataclass(frozen=True)
class DeadLetter:
    id: str
    source_stream: str
    source_id: str
    error: str
    service: str
    attempts: int
    failed_at: str
    fields: dict[bytes, bytes]


def dlq_name(stream: str) -> str:
    return f"{stream}{DLQ_SUFFIX}"


async def dead_letter(
    redis: RedisClient,
    *,
    stream: str,
    group: str,
    entry_id: str,
    fields: Mapping[bytes, bytes],
    error: str,
    service: str,
    attempts: int,
    maxlen: int = 100_000,
) -> None:
    record: dict[bytes | str, bytes | str | int] = {
        "source_stream": stream,
        "source_id": entry_id,
        "error": error[:2000],
        "service": service,
        "attempts": attempts,
        "failed_at": datetime.now(UTC).isoformat(),
    }
    for name, value in fields.items():
        record[ORIGINAL_PREFIX + name] = value
    async with redis.pipeline(transaction=True) as pipe:
        pipe.xadd(dlq_name(stream), record, maxlen=maxlen, approximate=True)  # type: ignore[arg-type]
        pipe.xack(stream, group, entry_id)
        await pipe.execute()


def _decode(entry_id: bytes, raw: Mapping[bytes, bytes]) -> DeadLetter:
    def text(name: str) -> str:
        return raw.get(name.encode(), b"").decode(errors="replace")

    originals = {
        k[len(ORIGINAL_PREFIX) :]: v for k, v in raw.items() if k.startswith(ORIGINAL_PREFIX)
    }
    return DeadLetter(
        id=entry_id.decode(),
        source_stream=text("source_stream"),
        source_id=text("source_id"),
        error=text("error"),
        service=text("service"),
        attempts=int(text("attempts") or 0),
        failed_at=text("failed_at"),
        fields=originals,
    )


async def list_dead_letters(
    redis: RedisClient, stream: str, *, count: int = 50
) -> list[DeadLetter]:
    rows = cast(Rows, await redis.xrange(dlq_name(stream), count=count))
    return [_decode(entry_id, raw) for entry_id, raw in rows]


async def get_dead_letter(redis: RedisClient, stream: str, dlq_id: str) -> DeadLetter | None:
    rows = cast(Rows, await redis.xrange(dlq_name(stream), min=dlq_id, max=dlq_id, count=1))
    return _decode(*rows[0]) if rows else None


async def retry_dead_letters(
    redis: RedisClient, stream: str, ids: list[str] | None, *, dry_run: bool
) -> list[str]:
    """Re-publishes to the original stream, then deletes the dead letter, in one MULTI/EXEC."""
    letters = await list_dead_letters(redis, stream, count=100_000)
    chosen = [d for d in letters if ids is None or d.id in ids]
    if dry_run:
        return [d.id for d in chosen]
    for letter in chosen:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.xadd(letter.source_stream, letter.fields)  # type: ignore[arg-type]
            pipe.xdel(dlq_name(stream), letter.id)
            await pipe.execute()
    return [d.id for d in chosen]


async def purge_dead_letters(
    redis: RedisClient, stream: str, ids: list[str] | None, *, dry_run: bool
) -> int:
    if ids is None:
        size = int(await redis.xlen(dlq_name(stream)))
        if not dry_run:
            await redis.delete(dlq_name(stream))
        return size
    if dry_run:
        return len(ids)
    return int(await redis.xdel(dlq_name(stream), *ids))
