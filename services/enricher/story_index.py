"""The story index in Redis, so every enricher replica places articles in the same clusters.

A batch of articles costs two round trips, whatever its size or its stories' sizes: one
script reads the batch's records, its LSH buckets and the samples of the stories those
propose (story_read.lua ranks the candidates as `StoryState.candidates` does), and one writes
back, as one atomic step, what placing the batch in memory changed (story_write.lua). A story
the read did not return (an earlier article of the batch promoted it into a later one's
candidates) costs one more read (story_samples.lua).

Keys (shared/keys.py), each bounded: `story:<article>` hash (story id, publication time)
outlives the window so a late correction still finds the story of its first version;
`bucket:<band>:<digest>` sorted sets (story id -> latest publication epoch, at most
`STORIES_PER_BUCKET`) and `sample:<story>` hashes (slot -> packed member, at most
`REPRESENTATIVES`; `n` -> members that entered the ring) expire with the clustering window.
Concurrent replicas only raise bucket scores, trim by rank and rewrite bounded slots, so a
race can cost a representative (or, as before, split a story both start at once), never a
bound. The enricher places on its event loop (`assign_async`, an asyncio client);
`assign`, with a blocking client, serves tools, benchmarks and worker threads.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from importlib import resources
from typing import Any, Self, cast

import numpy as np
import orjson
import redis

from services.enricher.taggers.stories import (
    CANDIDATES,
    REPRESENTATIVES,
    STORIES_PER_BUCKET,
    WINDOW,
    Member,
    Placement,
    Sample,
    StoryMatch,
    StoryRecord,
    StoryState,
    buckets,
)
from shared.broker import RedisClient, make_sync_redis
from shared.keys import Keys
from shared.settings import Settings

RECORD_TTL_S = 30 * 24 * 3600
WINDOW_TTL_S = int(WINDOW.total_seconds()) + 3600
# A bucket or sample written again keeps its expiry while more than this is left, so it still
# outlives the window after its last write (by half an hour instead of an hour). Refreshing on
# every write cost each article ~27 PEXPIREATs in the AOF, an eighth of what it writes there.
REFRESH_BELOW_S = WINDOW_TTL_S - 1800
_PUSHED = b"n"
# Samples read per article before placing a batch of several: more than are compared, because
# articles placed earlier in the batch can reorder the candidates of later ones (a miss costs
# a read). A lone article (what a paced feed brings) reads exactly the ones it compares.
PREFETCH = 2 * CANDIDATES
# Representatives kept unpacked (~3 KB each, with the packed key that memoises them). A
# thousand hold a burst's story; on distinct stories 4,096 hit 90% against 1,024's 33%, but
# a miss costs ~4 µs (~25 µs of an article's ~4 ms) and the larger cache held ~9 MB more of
# the enricher's 200 MB.
UNPACKED = 1024


class RedisStoryIndex:
    """Places batches with a blocking client (`assign`, for worker threads and tools) or,
    given an asyncio client, on the event loop (`assign_async`): the enricher's loop then
    drafts the next batch while this one's scripts run, with no thread hop nor GIL handoff."""

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        keys: Keys,
        clock: Callable[[], float] = time.time,
        *,
        aclient: RedisClient | None = None,
    ) -> None:
        self.client = client
        self.keys = keys
        self.clock = clock
        self._sample_prefix = keys.story_sample("")  # story_read.lua appends the story id
        self._read_script = client.register_script(_script("story_read.lua"))
        self._samples_script = client.register_script(_script("story_samples.lua"))
        self._write_script = client.register_script(_script("story_write.lua"))
        self._async = _AsyncScripts(aclient) if aclient is not None else None

    @classmethod
    def from_settings(cls, settings: Settings, *, aclient: RedisClient | None = None) -> Self:
        return cls(make_sync_redis(settings), settings.keys, aclient=aclient)

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        """Place a batch in order, exactly as placing its articles one by one would."""
        ids = _bucket_ids(placements)
        limit = _prefetch(placements)
        names, args = self._read_call(placements, ids, limit)
        state = StoryState(load=self._samples, clock=self.clock)
        self._apply_read(state, placements, ids, self._read_script(keys=names, args=args))
        matches = _place_all(state, placements, ids, limit)
        write = self._write_call(state)
        if write is not None:
            self._write_script(keys=write[0], args=write[1])
        return matches

    async def assign_async(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        """`assign` without blocking the event loop: the same reads, placements and write.

        Placing can need a sample the first read did not bring (an earlier article of the
        batch promoted its story into a later one's candidates). `assign` fetches it in the
        middle of placing; here placing stops, the sample is fetched without blocking, and
        the batch is placed again from what was read (rare: a few per thousand articles).
        """
        if self._async is None:
            raise RuntimeError("RedisStoryIndex.assign_async needs an asyncio client (aclient)")
        ids = _bucket_ids(placements)
        limit = _prefetch(placements)
        names, args = self._read_call(placements, ids, limit)
        read = await self._async.read(keys=names, args=args)
        extra: dict[str, list[bytes]] = {}
        while True:
            state = StoryState(load=_needs, clock=self.clock)
            self._apply_read(state, placements, ids, read)
            state.samples.update((story, _sample(flat)) for story, flat in extra.items())
            try:
                matches = _place_all(state, placements, ids, limit)
                break
            except _UnreadSamplesError as missing:
                stories = list(missing.stories)
                replies = await self._async.samples(keys=self._sample_keys(stories))
                extra.update(zip(stories, cast(list[list[bytes]], replies), strict=True))
        write = self._write_call(state)
        if write is not None:
            await self._async.write(keys=write[0], args=write[1])
        return matches

    def _read_call(
        self, placements: Sequence[Placement], ids: Sequence[Sequence[str]], limit: int
    ) -> tuple[list[str], list[Any]]:
        unique = list(dict.fromkeys(p.key for p in placements))
        position = {b: n for n, b in enumerate(dict.fromkeys(b for i in ids for b in i), 1)}
        names = [self.keys.story(k) for k in unique]
        names += [self.keys.story_bucket(b) for b in position]
        args: list[Any] = [len(unique), self._sample_prefix, limit, *unique]
        for found in ids:
            args += [len(found), *(position[b] for b in found)]
        return names, args

    @staticmethod
    def _apply_read(
        state: StoryState,
        placements: Sequence[Placement],
        ids: Sequence[Sequence[str]],
        reply: Any,
    ) -> None:
        """Puts story_read.lua's reply in `state`: records, buckets and samples."""
        unique = dict.fromkeys(p.key for p in placements)
        records, rows, stories, samples = cast(list[Any], reply)
        for key, (story_id, published) in zip(unique, records, strict=True):
            if story_id is not None:
                state.records[key] = StoryRecord(key, story_id.decode(), _when(published))
        for bucket, flat in zip(dict.fromkeys(b for i in ids for b in i), rows, strict=True):
            if flat:
                state.buckets[bucket] = {
                    m.decode(): float(score) for m, score in zip(flat[::2], flat[1::2], strict=True)
                }
        for story, flat in zip(stories, samples, strict=True):
            state.samples[story.decode()] = _sample(flat) if flat else Sample()

    def _sample_keys(self, stories: Sequence[str]) -> list[str]:
        return [self.keys.story_sample(s) for s in stories]

    def _samples(self, stories: Collection[str]) -> dict[str, Sample]:
        ordered = list(stories)
        replies = cast(list[list[bytes]], self._samples_script(keys=self._sample_keys(ordered)))
        return {s: _sample(flat) for s, flat in zip(ordered, replies, strict=True) if flat}

    def _write_call(self, state: StoryState) -> tuple[list[str], list[Any]] | None:
        """story_write.lua's keys and arguments for what placing changed; None: nothing."""
        changes = state.changes
        if not changes.records:
            return None
        names = [self.keys.story(k) for k in changes.records]
        names += [self.keys.story_sample(s) for s in changes.samples]
        names += [self.keys.story_bucket(b) for b in changes.buckets]
        members: list[bytes] = []
        samples = []
        for story, slots in changes.samples.items():
            sample, ordered = state.samples[story], sorted(slots)
            samples.append([sample.pushed, [str(slot) for slot in ordered]])
            members += [_pack(cast(Member, sample.slots[slot])) for slot in ordered]
        payload = {
            "records": [[r.story_id, _iso(r.published_at)] for r in changes.records.values()],
            "samples": samples,
            "buckets": [_entries(scores) for scores in changes.buckets.values()],
            "record_ttl": RECORD_TTL_S,
            "window_ttl": WINDOW_TTL_S,
            "refresh_below_ms": REFRESH_BELOW_S * 1000,
            "cap": STORIES_PER_BUCKET,
        }
        changes.clear()
        return names, [orjson.dumps(payload), *members]


class _AsyncScripts:
    """The index's scripts on an asyncio client (EVALSHA, loaded on first use)."""

    def __init__(self, client: RedisClient) -> None:
        self.read = client.register_script(_script("story_read.lua"))
        self.samples = client.register_script(_script("story_samples.lua"))
        self.write = client.register_script(_script("story_write.lua"))


class _UnreadSamplesError(Exception):
    """Placing needs these stories' samples, which the event loop must fetch first."""

    def __init__(self, stories: Collection[str]) -> None:
        super().__init__(f"{len(stories)} samples to fetch")
        self.stories = stories


def _needs(stories: Collection[str]) -> dict[str, Sample]:
    raise _UnreadSamplesError(stories)


def _bucket_ids(placements: Sequence[Placement]) -> list[list[str]]:
    return [buckets(p.hashvalues()) if p.minhash is not None else [] for p in placements]


def _place_all(
    state: StoryState, placements: Sequence[Placement], ids: Sequence[Sequence[str]], limit: int
) -> list[StoryMatch]:
    """Places the batch in order in `state`, after fetching at once every sample the read
    did not bring that its articles' candidates need as they stand before placing."""
    proposed: list[str] = []
    for p, found in zip(placements, ids, strict=True):
        known = state.records.get(p.key)
        proposed += [known.story_id if known else p.key, *state.candidates(found, limit)]
    state.ensure(proposed)
    return [state.place(p, found) for p, found in zip(placements, ids, strict=True)]


def _prefetch(placements: Sequence[Placement]) -> int:
    """Candidates whose samples the read brings per article: nothing placed before a lone
    article can reorder its candidates, so it needs only the ones it compares."""
    return CANDIDATES if len(placements) == 1 else PREFETCH


def _entries(scores: dict[str, float]) -> list[str]:
    """ZADD's score-member pairs; scores as repr text, which Redis parses back exactly."""
    return [text for story, score in scores.items() for text in (repr(score), story)]


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when else ""


def _script(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text()


def _when(raw: bytes | None) -> datetime | None:
    return datetime.fromisoformat(raw.decode()) if raw else None


def _pack(member: Member) -> bytes:
    """JSON of the small fields, a newline (JSON escapes its own), the raw signature."""
    meta = {
        "key": member.key,
        "published_at": _iso(member.published_at) or None,
        "anchors": sorted(member.anchors),
        "dtype": member.hashvalues.dtype.str,
    }
    return orjson.dumps(meta) + b"\n" + member.hashvalues.tobytes()


@functools.lru_cache(maxsize=UNPACKED)
def _unpack(raw: bytes) -> Member:
    """Memoised by the packed bytes: the candidates of consecutive articles overlap (a
    developing story, the stories of common phrases), and a Member is immutable."""
    head = raw[: raw.index(b"\n")]
    meta = orjson.loads(head)
    published = meta["published_at"]
    return Member(
        key=meta["key"],
        published_at=datetime.fromisoformat(published) if published else None,
        # A view of the key's own bytes (which the cache holds anyway), not a copy.
        hashvalues=np.frombuffer(raw, dtype=np.dtype(meta["dtype"]), offset=len(head) + 1),
        anchors=frozenset(meta["anchors"]),
    )


def _sample(flat: list[bytes]) -> Sample:
    """Slots past `REPRESENTATIVES` (written by a version that kept more) are left out."""
    sample = Sample()
    for field, value in zip(flat[::2], flat[1::2], strict=True):
        if field == _PUSHED:
            sample.pushed = int(value)
        elif int(field) < REPRESENTATIVES:
            sample.slots[int(field)] = _unpack(value)
    return sample
