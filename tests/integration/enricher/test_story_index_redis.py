"""The Redis story index places articles as the in-memory one does, at a flat cost per article."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

from services.enricher.story_index import RedisStoryIndex
from services.enricher.taggers import stories, story_codec
from services.enricher.taggers.duplicates import (
    MemoryStoryIndex,
    Placement,
    StoryIndex,
    StoryMatch,
    assign_story,
    signature,
)
from services.enricher.taggers.stories import REPRESENTATIVES, STORIES_PER_BUCKET
from services.enricher.taggers.story_codec import RECORD_TTL_S, REFRESH_BELOW_S, WINDOW_TTL_S
from shared.keys import Keys
from shared.settings import Settings

T0 = datetime(2024, 6, 6, 12, 0, tzinfo=UTC)
ECB_A = (
    "FRANKFURT — The European Central Bank on Thursday lowered borrowing costs for the first "
    "time since 2019, trimming its deposit rate by 25 basis points to 3.75% after inflation "
    "fell across the euro zone. Policymakers declined to commit to further cuts."
)
ECB_B = (
    "The European Central Bank lowered its deposit rate by 25 basis points to 3.75% on "
    "Thursday, the first cut since 2019, after inflation across the euro zone fell sharply; "
    "policymakers declined to commit to further rate cuts."
)
QUAKE = (
    "TAIPEI — A powerful earthquake struck Taiwan's eastern coast near Hualien on Wednesday, "
    "damaging buildings and triggering landslides, officials said."
)
EARNINGS = (
    "The company reported quarterly revenue above analyst expectations, lifted profit guidance "
    "for the full year and announced a share buyback, sending its stock higher in early trading."
)


def place(index: StoryIndex) -> list[StoryMatch]:
    steps = [
        ("a", ECB_A, T0),
        ("b", ECB_B, T0 + timedelta(hours=1)),
        ("q", QUAKE, T0 + timedelta(hours=2)),
        ("a", ECB_A + " Markets rallied.", T0 + timedelta(hours=3)),  # a new version of "a"
        ("late", ECB_B, T0 + timedelta(days=30)),  # same text, far outside the window
    ]
    anchors = {"a": {"European Central Bank"}, "b": {"European Central Bank"}, "q": {"Taiwan"}}
    return [
        assign_story(index, key, signature(text), when, frozenset(anchors.get(key, ())))
        for key, text, when in steps
    ]


def copies(n: int, start: int = 0) -> list[Placement]:
    """One wire story re-sent with small per-copy edits, a minute apart."""
    words = ECB_A.split()
    out = []
    for i in range(start, start + n):
        rng = random.Random(i)
        edited = [w for w in words if rng.random() > 0.05]
        edited += [f"edit{chr(97 + rng.randrange(26))}{chr(97 + rng.randrange(26))}x"] * 2
        when = T0 + timedelta(minutes=i)
        out.append(Placement(f"c{i}", signature(" ".join(edited)), when, frozenset()))
    return out


def templated(n: int) -> list[Placement]:
    """One earnings template about n different companies: n stories sharing every bucket."""
    return [
        Placement(f"e{i}", signature(EARNINGS), T0 + timedelta(minutes=i), frozenset({f"org:{i}"}))
        for i in range(n)
    ]


@dataclass
class Tally:
    round_trips: int = 0
    commands: int = 0
    reply_bytes: int = 0


def _size(reply: Any) -> int:
    if isinstance(reply, bytes | str):
        return len(reply)
    if isinstance(reply, list | tuple | set):
        return sum(_size(r) for r in reply)
    if isinstance(reply, dict):
        return sum(_size(k) + _size(v) for k, v in reply.items())
    return 8


class CountingConnection(redis.Connection):
    """A real connection that counts what crosses it: one send is one round trip."""

    tally = Tally()

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.tally.round_trips += 1
        super().send_packed_command(command, check_health)

    def send_command(self, *args: Any, **kwargs: Any) -> None:
        CountingConnection.tally.commands += 1
        super().send_command(*args, **kwargs)

    def pack_commands(self, commands: Any) -> Any:
        CountingConnection.tally.commands += len(commands)
        return super().pack_commands(commands)

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        reply = super().read_response(*args, **kwargs)
        CountingConnection.tally.reply_bytes += _size(reply)
        return reply


@pytest.fixture
def client(settings: Settings) -> Iterator[redis.Redis]:
    pool = redis.ConnectionPool.from_url(settings.redis_url, connection_class=CountingConnection)
    client = redis.Redis(connection_pool=pool)
    client.ping()  # the handshake is not part of what is counted
    yield client
    client.close()


@pytest.fixture
def other_keys(client: redis.Redis, settings: Settings) -> Iterator[Keys]:
    """A second prefix, for a second index beside the one under `settings.keys`."""
    keys = Keys(prefix=f"{settings.key_prefix}o")
    yield keys
    found = list(client.scan_iter(match=keys.all_pattern(), count=1000))
    if found:
        client.delete(*found)


def counted(index: RedisStoryIndex, placements: list[Placement]) -> tuple[list[StoryMatch], Tally]:
    CountingConnection.tally = tally = Tally()
    matches = index.assign(placements)
    CountingConnection.tally = Tally()
    return matches, tally


def test_redis_index_matches_memory_index(client: redis.Redis, settings: Settings) -> None:
    in_redis = place(RedisStoryIndex(client, settings.keys))
    in_memory = place(MemoryStoryIndex())
    assert in_redis == in_memory
    assert in_redis[1].duplicate_of == "a"
    assert in_redis[1].story_id == "a"
    assert in_redis[2].duplicate_of is None
    assert in_redis[3].supersedes == "a"
    assert in_redis[4].duplicate_of is None


def test_every_key_expires(client: redis.Redis, settings: Settings) -> None:
    place(RedisStoryIndex(client, settings.keys))
    keys = list(client.scan_iter(match=settings.keys.all_pattern()))
    assert {k.decode().split(":")[2] for k in keys} == {"story", "bucket", "sample"}
    for key in keys:
        limit = RECORD_TTL_S if b":story:" in key else WINDOW_TTL_S
        assert 0 < client.ttl(key) <= limit


def test_a_window_key_written_again_keeps_its_expiry_until_it_runs_low(
    client: redis.Redis, settings: Settings
) -> None:
    """Rewriting the expiry on every write cost ~27 PEXPIREATs per article in the AOF; a key
    is refreshed only once less than REFRESH_BELOW_S is left, which still outlives the window."""
    index = RedisStoryIndex(client, settings.keys)
    first, second, third = copies(3)
    index.assign([first])
    windowed = [
        key
        for key in client.scan_iter(match=settings.keys.all_pattern())
        if b":bucket:" in key or b":sample:" in key
    ]
    assert any(b":bucket:" in key for key in windowed)
    assert any(b":sample:" in key for key in windowed)
    fresh_ms = (REFRESH_BELOW_S + 60) * 1000  # above the threshold: left alone
    low_ms = (REFRESH_BELOW_S - 60) * 1000  # below it: set again
    for key in windowed:
        client.pexpire(key, fresh_ms)
    index.assign([second])
    for key in windowed:
        assert fresh_ms - 60_000 < client.pttl(key) <= fresh_ms, key
    for key in windowed:
        client.pexpire(key, low_ms)
    index.assign([third])
    written = [key for key in windowed if client.pttl(key) > low_ms]
    assert written, "the third copy rewrote none of the first's buckets"
    for key in written:
        assert client.ttl(key) > WINDOW_TTL_S - 60
    assert WINDOW_TTL_S > REFRESH_BELOW_S > stories.WINDOW.total_seconds()


def test_cost_of_the_2000th_near_duplicate_is_that_of_the_first(
    client: redis.Redis, settings: Settings
) -> None:
    index = RedisStoryIndex(client, settings.keys)
    index.assign([Placement("q", signature(QUAKE), T0)])  # loads the scripts: not counted
    burst = copies(2000)
    (first,), first_cost = counted(index, burst[:1])
    index.assign(burst[1:99])
    (_,), hundredth_cost = counted(index, burst[99:100])
    for start in range(100, 1999, 100):
        index.assign(burst[start : min(start + 100, 1999)])
    (last,), last_cost = counted(index, burst[1999:])
    assert (first.story_id, first.duplicate_of, last.story_id) == ("c0", None, "c0")
    assert first_cost.round_trips == hundredth_cost.round_trips == last_cost.round_trips == 2
    assert last_cost.commands <= first_cost.commands + 1  # the story's own sample, read once
    # The same bounded buckets and sample come back whether the story has 100 articles or 2000.
    assert last_cost.reply_bytes <= hundredth_cost.reply_bytes * 1.1


def test_a_batch_costs_two_round_trips(client: redis.Redis, settings: Settings) -> None:
    index = RedisStoryIndex(client, settings.keys)
    index.assign(copies(50))  # also loads the scripts
    matches, cost = counted(index, copies(100, start=50) + templated(20))
    assert {m.story_id for m in matches[:100]} == {"c0"}
    assert cost.round_trips == 2


def overlapping(n: int, seed: int) -> list[Placement]:
    """Stories drawn from one small vocabulary, each naming its own company: every pair
    shares some buckets, never a story, so an article has many candidates of many weights."""
    rng = random.Random(seed)
    vocabulary = EARNINGS.split() + QUAKE.split()
    return [
        Placement(
            f"o{seed}-{i}",
            signature(" ".join(rng.sample(vocabulary, 24))),
            T0 + timedelta(minutes=i),
            frozenset({f"org:{seed}-{i}"}),
        )
        for i in range(n)
    ]


def test_the_read_fetches_the_samples_placing_compares(
    client: redis.Redis, settings: Settings
) -> None:
    """story_read.lua ranks candidates as StoryState.candidates does: a lone article whose
    buckets name more stories than are read is placed without a third round trip, and
    with the script's ranking instead of its buckets' rows."""
    index = RedisStoryIndex(client, settings.keys)
    for placement in overlapping(60, seed=1):
        index.assign([placement])
    state = stories.StoryState()
    for placement in overlapping(60, seed=1):
        state.place(placement)
    read, replies = index._read_script, []

    def spy(*args: Any, **kwargs: Any) -> Any:
        reply = read(*args, **kwargs)
        replies.append(reply)
        return reply

    index._read_script = spy  # type: ignore[assignment]
    expected = []
    for probe in overlapping(10, seed=2):
        ids = stories.buckets(probe.hashvalues())
        assert len({s for b in ids for s in state.buckets.get(b, {})}) > story_codec.PREFETCH
        expected.append(state.candidates(ids))
        (match,), cost = counted(index, [probe])
        assert cost.round_trips == 2
        assert match == state.place(probe)
    # Its own story and the candidates it compares, no more: nothing reorders a lone one's.
    assert [len(reply[2]) for reply in replies] == [1 + stories.CANDIDATES] * 10
    assert all(reply[1] == [] for reply in replies)  # no bucket rows for a lone article
    assert [[s.decode() for s in reply[4][0]] for reply in replies] == expected


def test_a_batch_places_as_one_by_one(
    client: redis.Redis, settings: Settings, other_keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Near-duplicates inside the batch, a new version, a kill notice, crowded buckets."""
    for module in (stories, story_codec):  # few stories per bucket, so crowding shows
        monkeypatch.setattr(module, "STORIES_PER_BUCKET", 4)
    rewrite = Placement("b", signature(ECB_B), T0 + timedelta(hours=1))
    version = Placement("c3", signature(ECB_A + " Corrected."), T0 + timedelta(hours=2))
    kill = Placement("c1", None, None)
    crowd = templated(6)
    # The template again about the first and the last company: the first one's story was
    # crowded out of every bucket it had by four newer ones, the last one's was not.
    again = [replace(crowd[i], key=f"{crowd[i].key}+", published_at=T0) for i in (0, -1)]
    batch = [*copies(5), rewrite, *crowd, version, kill, *again, *copies(9, 5)]
    batched = RedisStoryIndex(client, settings.keys).assign(batch)
    single = RedisStoryIndex(client, other_keys)
    assert batched == [single.assign([p])[0] for p in batch]
    assert batched[5] == StoryMatch("c0", batched[5].duplicate_of, None)
    assert batched[-13:-11] == [StoryMatch("c0", None, "c3"), StoryMatch("c0", None, "c1")]
    assert batched[-11:-9] == [StoryMatch("e0+", None, None), StoryMatch("e5", "e5", None)]
    assert _contents(client, settings.keys) == _contents(client, other_keys)


async def test_placing_on_the_event_loop_places_as_the_blocking_client(
    client: redis.Redis, settings: Settings, other_keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`assign_async` reads, places and writes what `assign` does, also when placing needs
    samples the first read did not bring (here every batch: the read brings one candidate's)."""
    monkeypatch.setattr(story_codec, "prefetch", lambda placements: 1)
    aclient = aioredis.Redis.from_url(settings.redis_url)
    on_loop = RedisStoryIndex(client, settings.keys, aclient=aclient)
    blocking = RedisStoryIndex(client, other_keys)
    extra_reads: list[int] = []
    samples = on_loop._async.samples  # type: ignore[union-attr]

    async def spy(*args: Any, **kwargs: Any) -> Any:
        extra_reads.append(len(kwargs["keys"]))
        return await samples(*args, **kwargs)

    on_loop._async.samples = spy  # type: ignore[union-attr,method-assign]
    try:
        batches = [overlapping(30, seed=3)[:15], overlapping(30, seed=3)[15:]]
        batches += [[*copies(5), *templated(6), *copies(4, 5)], overlapping(8, seed=4)]
        for batch in batches:
            assert await on_loop.assign_async(batch) == blocking.assign(batch)
    finally:
        await aclient.aclose()
    assert extra_reads, "no batch needed a sample the read had not brought"
    assert _contents(client, settings.keys) == _contents(client, other_keys)


def test_placing_on_the_event_loop_needs_an_asyncio_client(
    client: redis.Redis, settings: Settings
) -> None:
    with pytest.raises(RuntimeError, match="aclient"):
        asyncio.run(RedisStoryIndex(client, settings.keys).assign_async(copies(1)))


def _contents(client: redis.Redis, keys: Keys) -> dict[str, Any]:
    """Every key of one index with its value, named without the prefix."""
    out: dict[str, Any] = {}
    for key in client.scan_iter(match=keys.all_pattern(), count=1000):
        name = key.decode().split(":", 1)[1]
        kind = client.type(key)
        if kind == b"zset":
            out[name] = client.zrange(key, 0, -1, withscores=True)
        else:
            out[name] = client.hgetall(key)
    return out


def test_keys_stay_bounded(client: redis.Redis, settings: Settings) -> None:
    index = RedisStoryIndex(client, settings.keys)
    for start in range(0, 300, 100):
        index.assign(copies(100, start))
    index.assign(templated(3 * STORIES_PER_BUCKET))
    sample = client.hgetall(settings.keys.story_sample("c0"))
    assert len(sample) == REPRESENTATIVES + 1  # the slots and the ring's count
    held = [client.zcard(k) for k in client.scan_iter(match=settings.keys.story_bucket("*"))]
    assert max(held) == STORIES_PER_BUCKET


def test_slots_past_the_cap_are_ignored(client: redis.Redis, settings: Settings) -> None:
    """A sample written by a version that kept more representatives still reads."""
    index = RedisStoryIndex(client, settings.keys)
    index.assign(copies(2))
    key = settings.keys.story_sample("c0")
    client.hset(key, str(REPRESENTATIVES + 3), client.hget(key, "0") or b"")
    (match,) = index.assign(copies(1, start=2))
    assert match.story_id == "c0"
