"""The Redis story index places articles exactly as the in-memory one does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from services.enricher.story_index import RedisStoryIndex
from services.enricher.taggers.duplicates import (
    MemoryStoryIndex,
    StoryIndex,
    StoryMatch,
    assign_story,
    signature,
)
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


def test_redis_index_matches_memory_index(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    try:
        in_redis = place(RedisStoryIndex(client, settings.keys))
    finally:
        client.close()
    in_memory = place(MemoryStoryIndex())
    assert in_redis == in_memory
    assert in_redis[1].duplicate_of == "a"
    assert in_redis[1].story_id == "a"
    assert in_redis[2].duplicate_of is None
    assert in_redis[3].supersedes == "a"
    assert in_redis[4].duplicate_of is None


def test_band_keys_expire(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    try:
        index = RedisStoryIndex(client, settings.keys)
        index.insert("x", signature(QUAKE))
        keys = list(client.scan_iter(match=f"{settings.keys.lsh_prefix()}:*"))
        assert keys
        assert all(client.ttl(k) > 0 for k in keys)
    finally:
        client.close()
