"""What operators ask of the streams: how far behind each group is, what is stuck, and
how to re-deliver from a point in time."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.exceptions import ResponseError

from shared.broker import RedisClient
from shared.deadletter import dlq_name


@dataclass(frozen=True)
class GroupStatus:
    stream: str
    group: str
    length: int
    lag: int | None
    pending: int
    oldest_pending_age_s: float | None
    consumers: int
    dlq: int


def entry_age_s(entry_id: str, now_ms: int | None = None) -> float:
    """Stream ids start with the millisecond they were added: that is the entry's age."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    return max(0.0, (now_ms - int(entry_id.split("-")[0])) / 1000)


def id_from(value: str) -> str:
    """Accepts a stream id (`1700000000000-0`, `1700000000000`, `0`) or an ISO time with a
    zone (`2024-01-01T00:00:00Z`)."""
    if re.fullmatch(r"\d+(-\d+)?", value):
        return value if "-" in value else f"{value}-0"
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        raise ValueError("a time needs a zone, e.g. 2024-01-01T00:00:00Z")
    return f"{int(stamp.timestamp() * 1000)}-0"


async def _group_status(
    redis: RedisClient, stream: str, info: dict[str, Any], length: int, dlq: int
) -> GroupStatus:
    group = info["name"].decode()
    oldest: float | None = None
    if info["pending"]:
        summary = await redis.xpending(stream, group)
        lowest = summary["min"]
        oldest = entry_age_s(lowest.decode() if isinstance(lowest, bytes) else str(lowest))
    return GroupStatus(
        stream=stream,
        group=group,
        length=length,
        lag=info.get("lag"),
        pending=int(info["pending"]),
        oldest_pending_age_s=oldest,
        consumers=int(info["consumers"]),
        dlq=dlq,
    )


async def stream_status(redis: RedisClient, streams: list[str]) -> list[GroupStatus]:
    rows: list[GroupStatus] = []
    for stream in streams:
        length = int(await redis.xlen(stream))
        dlq = int(await redis.xlen(dlq_name(stream)))
        try:
            groups = await redis.xinfo_groups(stream)
        except ResponseError:  # the stream does not exist yet
            groups = []
        if not groups:
            rows.append(GroupStatus(stream, "-", length, None, 0, None, 0, dlq))
        for info in groups:
            rows.append(await _group_status(redis, stream, info, length, dlq))
    return rows


async def rewind_group(redis: RedisClient, stream: str, group: str, start: str) -> str:
    """Makes the group deliver again every entry from `start` on (XGROUP SETID just before
    it). Entries already pending stay pending and are reclaimed as usual."""
    before = _just_before(start)
    await redis.xgroup_setid(stream, group, before)
    return before


MAX_SEQ = 2**64 - 1  # a stream id's sequence part is an unsigned 64-bit number


def _just_before(start: str) -> str:
    """The greatest id below `start`: `ms-(seq-1)`, or for `ms-0` the last id the previous
    millisecond can hold (`(ms-1)-0` would deliver that millisecond's later entries again)."""
    ms, _, seq = start.partition("-")
    if int(seq or 0) > 0:
        return f"{ms}-{int(seq) - 1}"
    if int(ms) > 0:
        return f"{int(ms) - 1}-{MAX_SEQ}"
    return "0"
