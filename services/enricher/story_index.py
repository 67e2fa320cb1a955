"""The story index in Redis, so every enricher replica places articles in the same clusters.

A batch of articles costs three round trips, whatever its size or its stories' sizes: one
pipeline reads the batch's records and LSH buckets, one reads the samples of the stories those
propose, and one MULTI/EXEC writes back what placing the batch in memory changed (the rare
story that an earlier article of the batch promotes costs one more read). Every key is bounded:
a bucket holds at most `STORIES_PER_BUCKET` story ids, a sample `REPRESENTATIVES` members.

Keys (shared/keys.py): `story:<article>` hash (story id, publication time) outlives the window
so a late correction still finds the story of its first version; `bucket:<band>:<digest>`
sorted sets (story id -> latest publication epoch) and `sample:<story>` hashes (slot ->
packed member, `n` -> members that entered the ring) expire with the clustering window.
Concurrent replicas only add to buckets and rewrite bounded slots, so a race can cost a
representative, never a bound. Blocking calls: the enricher runs tagging in a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any, cast

import numpy as np
import orjson
import redis
from redis.typing import EncodableT, FieldT

from services.enricher.taggers.stories import (
    REPRESENTATIVES,
    STORIES_PER_BUCKET,
    WINDOW,
    Changes,
    Member,
    Placement,
    Sample,
    StoryMatch,
    StoryRecord,
    StoryState,
    buckets,
)
from shared.broker import make_sync_redis
from shared.keys import Keys
from shared.settings import Settings

RECORD_TTL_S = 30 * 24 * 3600
WINDOW_TTL_S = int(WINDOW.total_seconds()) + 3600
_PUSHED = b"n"


class RedisStoryIndex:
    def __init__(
        self, client: redis.Redis, keys: Keys, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.keys = keys
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStoryIndex:
        return cls(make_sync_redis(settings), settings.keys)

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        """Place a batch in order, exactly as placing its articles one by one would."""
        ids = [buckets(p.hashvalues()) if p.minhash is not None else [] for p in placements]
        state = StoryState(load=self._samples, clock=self.clock)
        self._read(state, [p.key for p in placements], {b for i in ids for b in i})
        proposed: list[str] = []
        for p, found in zip(placements, ids, strict=True):
            known = state.records.get(p.key)
            proposed += [known.story_id if known else p.key, *state.candidates(found)]
        state.ensure(proposed)
        matches = [state.place(p, found) for p, found in zip(placements, ids, strict=True)]
        self._write(state)
        return matches

    def _read(self, state: StoryState, keys: list[str], bucket_ids: Collection[str]) -> None:
        unique = list(dict.fromkeys(keys))
        ordered = sorted(bucket_ids)
        with self.client.pipeline(transaction=False) as pipe:
            for key in unique:
                pipe.hmget(self.keys.story(key), ["story_id", "published_at"])
            for bucket in ordered:
                pipe.zrange(self.keys.story_bucket(bucket), 0, -1, withscores=True)
            replies = pipe.execute()
        for key, (story_id, published) in zip(unique, replies[: len(unique)], strict=True):
            if story_id is not None:
                state.records[key] = StoryRecord(key, story_id.decode(), _when(published))
        for bucket, rows in zip(ordered, replies[len(unique) :], strict=True):
            if rows:
                state.buckets[bucket] = {m.decode(): float(s) for m, s in rows}

    def _samples(self, stories: Collection[str]) -> dict[str, Sample]:
        ordered = list(stories)
        with self.client.pipeline(transaction=False) as pipe:
            for story in ordered:
                pipe.hgetall(self.keys.story_sample(story))
            replies = cast(list[dict[bytes, bytes]], pipe.execute())
        return {s: _sample(raw) for s, raw in zip(ordered, replies, strict=True) if raw}

    def _write(self, state: StoryState) -> None:
        changes: Changes = state.changes
        if not changes.records:
            return
        with self.client.pipeline(transaction=True) as pipe:
            for record in changes.records.values():
                key = self.keys.story(record.key)
                pipe.hset(key, mapping=_record_fields(record))
                pipe.expire(key, RECORD_TTL_S)
            for story, slots in changes.samples.items():
                sample = state.samples[story]
                fields: dict[FieldT, EncodableT] = {_PUSHED: sample.pushed}
                for slot in slots:
                    fields[str(slot)] = _pack(cast(Member, sample.slots[slot]))
                key = self.keys.story_sample(story)
                pipe.hset(key, mapping=fields)
                pipe.expire(key, WINDOW_TTL_S)
            for bucket, scores in changes.buckets.items():
                key = self.keys.story_bucket(bucket)
                pipe.zadd(key, cast(Any, scores), gt=True)
                pipe.zremrangebyrank(key, 0, -STORIES_PER_BUCKET - 1)
                pipe.expire(key, WINDOW_TTL_S)
            pipe.execute()
        changes.clear()


def _when(raw: bytes | None) -> datetime | None:
    return datetime.fromisoformat(raw.decode()) if raw else None


def _record_fields(record: StoryRecord) -> dict[FieldT, EncodableT]:
    published = record.published_at.isoformat() if record.published_at else ""
    return {"story_id": record.story_id, "published_at": published}


def _pack(member: Member) -> bytes:
    """JSON of the small fields, a newline (JSON escapes its own), the raw signature."""
    meta = {
        "key": member.key,
        "published_at": member.published_at.isoformat() if member.published_at else None,
        "anchors": sorted(member.anchors),
        "dtype": member.hashvalues.dtype.str,
    }
    return orjson.dumps(meta) + b"\n" + member.hashvalues.tobytes()


def _unpack(raw: bytes) -> Member:
    head, _, values = raw.partition(b"\n")
    meta = orjson.loads(head)
    published = meta["published_at"]
    return Member(
        key=meta["key"],
        published_at=datetime.fromisoformat(published) if published else None,
        hashvalues=np.frombuffer(values, dtype=np.dtype(meta["dtype"])),
        anchors=frozenset(meta["anchors"]),
    )


def _sample(raw: dict[bytes, bytes]) -> Sample:
    sample = Sample(pushed=int(raw.get(_PUSHED, b"0")))
    for slot in range(REPRESENTATIVES):
        packed = raw.get(str(slot).encode())
        if packed is not None:
            sample.slots[slot] = _unpack(packed)
    return sample
