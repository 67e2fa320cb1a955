"""What a service gives the runner: how to decode one entry and how to handle a batch.

Entries arrive as Redis returns them (`RawEntry`: the id and a flat field list), so a hot
stream can decode its common shape without building a dict per entry. Whatever `decode`
raises dead-letters that entry alone, at once, with the error: a bad entry never holds its
batch neighbours, never waits for redeliveries.

`handle` does the work and acks what it finished: in the same Lua step as its effect where
exactly-once matters (counting, publishing), or by returning and letting the runner XACK
(`runner_acks`) where the effect is idempotent. It returns the entries it did not finish,
each with its error: a `PermanentError` is dead-lettered, anything else is left pending and
retried after `min_idle_ms` (dead-lettered after `max_deliveries`). Raising fails the whole
batch the same way; the runner then retries a reclaimed batch entry by entry, so one entry
that keeps failing cannot hold the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

RawEntry = Sequence[Any]  # [entry id: bytes, [field, value, field, value, ...]]
Failures = Mapping[bytes, BaseException]


class FreshRead(NamedTuple):
    """A batch is one XREADGROUP '>' of `consumer`, whose group claims entries idle for
    `min_idle_ms`: what lets a handler ack it whole (a reclaimed batch is not fresh)."""

    consumer: str
    min_idle_ms: int


class Batch(NamedTuple):
    """Decoded entries with how they were read."""

    fresh: FreshRead | None  # None: taken over from another consumer (or retried)
    deliveries: int  # the most times any entry of the batch was delivered


class BatchHandler(Protocol[T]):
    """A service's side of a consumer group: `entry_id(item)` must give back the id
    `decode` was called with, so the runner can ack or dead-letter by item."""

    runner_acks: bool

    def decode(self, entry: RawEntry) -> T: ...

    def entry_id(self, item: T) -> bytes: ...

    async def handle(self, items: Sequence[T], batch: Batch) -> Failures: ...
