"""Stream trimming that never drops an entry a consumer group still needs.

Producers XADD without MAXLEN: a hard cap would silently delete entries a slow group has
not read yet. Instead the consuming service trims with MINID below the oldest entry any
group still needs (its oldest pending entry, or the first one after what it has read), and
keeps at least `retention_ms` of history for replays.
"""

from __future__ import annotations

import time

from redis.exceptions import ResponseError

from shared.broker import RedisClient


def _older(a: str, b: str) -> str:
    pa, pb = (tuple(int(x) for x in v.split("-")) for v in (a, b))
    return a if pa <= pb else b


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def safe_trim_id(redis: RedisClient, stream: str) -> str | None:
    """The lowest id any group still needs, or None when no group reads the stream."""
    try:
        groups = await redis.xinfo_groups(stream)
    except ResponseError:
        return None
    if not groups:
        return None
    needed: str | None = None
    for info in groups:
        last = _text(info["last-delivered-id"])
        ms, _, seq = last.partition("-")
        candidate = f"{ms}-{int(seq or 0) + 1}"
        if info["pending"]:
            summary = await redis.xpending(stream, _text(info["name"]))
            candidate = _older(candidate, _text(summary["min"]))
        needed = candidate if needed is None else _older(needed, candidate)
    return needed


async def trim_stream(redis: RedisClient, stream: str, *, retention_ms: int) -> int:
    """Returns how many entries were removed."""
    needed = await safe_trim_id(redis, stream)
    if needed is None:
        return 0
    keep_from = f"{int(time.time() * 1000) - retention_ms}-0"
    removed: int = await redis.xtrim(stream, minid=_older(needed, keep_from), approximate=True)
    return removed
