"""The story index in Redis, so every enricher replica places articles in the same clusters.

A batch of articles costs two round trips, whatever its size or its stories' sizes: one
script reads the batch's records, its LSH buckets and the samples of the stories those
propose (story_read.lua ranks the candidates as `StoryState.candidates` does), and one writes
back, as one atomic step, what placing the batch in memory changed (story_write.lua). A story
the read did not return (an earlier article of the batch promoted it into a later one's
candidates) costs one more read (story_samples.lua). A lone article, what a paced feed
brings, is placed with the script's ranking and reads no bucket rows: once buckets fill,
those rows were most of its reply and of the enricher's CPU on the index.

Keys (shared/keys.py), each bounded: `story:<article>` hash (story id, publication time)
outlives the window so a late correction still finds the story of its first version;
`bucket:<band>:<digest>` sorted sets (story id -> latest publication epoch, at most
`STORIES_PER_BUCKET`) and `sample:<story>` hashes (slot -> packed member, at most
`REPRESENTATIVES`; `n` -> members that entered the ring) expire with the clustering window.
Concurrent replicas only raise bucket scores, trim by rank and rewrite bounded slots, so a
race can cost a representative (or, as before, split a story both start at once), never a
bound. The enricher places on its event loop (`assign_async`, an asyncio client);
`assign`, with a blocking client, serves tools, benchmarks and worker threads. What goes to
and comes from the scripts is made in taggers/story_codec.py (compiled with the taggers).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from importlib import resources
from typing import Self, cast

import redis

from services.enricher.taggers import story_codec as codec
from services.enricher.taggers.stories import Placement, Sample, StoryMatch, StoryState
from shared.broker import RedisClient, make_sync_redis
from shared.keys import Keys
from shared.settings import Settings


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
        self._read_script = client.register_script(_script("story_read.lua"))
        self._samples_script = client.register_script(_script("story_samples.lua"))
        self._write_script = client.register_script(_script("story_write.lua"))
        self._async = _AsyncScripts(aclient) if aclient is not None else None

    @classmethod
    def from_settings(cls, settings: Settings, *, aclient: RedisClient | None = None) -> Self:
        return cls(make_sync_redis(settings), settings.keys, aclient=aclient)

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        """Place a batch in order, exactly as placing its articles one by one would."""
        ids = codec.bucket_ids(placements)
        limit = codec.prefetch(placements)
        names, args = codec.read_call(self.keys, placements, ids, limit)
        state = StoryState(load=self._samples, clock=self.clock)
        ranked = codec.apply_read(state, placements, ids, self._read_script(keys=names, args=args))
        matches = codec.place_all(state, placements, ids, limit, ranked)
        write = codec.write_call(self.keys, state)
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
        ids = codec.bucket_ids(placements)
        limit = codec.prefetch(placements)
        names, args = codec.read_call(self.keys, placements, ids, limit)
        read = await self._async.read(keys=names, args=args)
        extra: dict[str, list[bytes]] = {}
        while True:
            state = StoryState(load=codec.needs, clock=self.clock)
            ranked = codec.apply_read(state, placements, ids, read)
            state.samples.update((story, codec.sample(flat)) for story, flat in extra.items())
            try:
                matches = codec.place_all(state, placements, ids, limit, ranked)
                break
            except codec.UnreadSamplesError as missing:
                stories = list(missing.stories)
                replies = await self._async.samples(keys=self._sample_keys(stories))
                extra.update(zip(stories, cast(list[list[bytes]], replies), strict=True))
        write = codec.write_call(self.keys, state)
        if write is not None:
            await self._async.write(keys=write[0], args=write[1])
        return matches

    def _sample_keys(self, stories: Sequence[str]) -> list[str]:
        return [self.keys.story_sample(s) for s in stories]

    def _samples(self, stories: Collection[str]) -> dict[str, Sample]:
        ordered = list(stories)
        replies = cast(list[list[bytes]], self._samples_script(keys=self._sample_keys(ordered)))
        return {s: codec.sample(flat) for s, flat in zip(ordered, replies, strict=True) if flat}


class _AsyncScripts:
    """The index's scripts on an asyncio client (EVALSHA, loaded on first use)."""

    def __init__(self, client: RedisClient) -> None:
        self.read = client.register_script(_script("story_read.lua"))
        self.samples = client.register_script(_script("story_samples.lua"))
        self.write = client.register_script(_script("story_write.lua"))


def _script(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text()
