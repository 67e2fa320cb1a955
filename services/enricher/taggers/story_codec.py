"""The story index's state on its way to and from Redis: the read script's arguments and
reply, the write script's payload, packed representatives, and placing a batch from them.

Plain data in, plain data out, no I/O (story_index.py sends and awaits): it lives among the
taggers so `newsdesk compile` builds it too. Turning a reply of ~50 bucket rows and ~9
samples into `StoryState` and back cost the enricher's event loop about as much as placing
did, per article, in the interpreter.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, cast

import numpy as np
import orjson

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
from shared.keys import Keys

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


class UnreadSamplesError(Exception):
    """Placing needs these stories' samples, which the event loop must fetch first."""

    def __init__(self, stories: Collection[str]) -> None:
        super().__init__(f"{len(stories)} samples to fetch")
        self.stories = stories


def needs(stories: Collection[str]) -> dict[str, Sample]:
    """A `StoryState` loader for placing on the event loop: stops placing to fetch."""
    raise UnreadSamplesError(stories)


def bucket_ids(placements: Sequence[Placement]) -> list[list[str]]:
    return [buckets(p.hashvalues()) if p.minhash is not None else [] for p in placements]


def prefetch(placements: Sequence[Placement]) -> int:
    """Candidates whose samples the read brings per article: nothing placed before a lone
    article can reorder its candidates, so it needs only the ones it compares."""
    return CANDIDATES if len(placements) == 1 else PREFETCH


def reads_rows(placements: Sequence[Placement]) -> bool:
    """Whether placing needs the buckets' rows: a batch does, as its earlier articles change
    its later ones' candidates; a lone article is placed with the read's ranking, without
    the rows (~16 stories in each of 28 buckets once they fill, most of what the read
    returns, turned into dicts only to be ranked again)."""
    return len(placements) > 1


def read_call(
    keys: Keys, placements: Sequence[Placement], ids: Sequence[Sequence[str]], limit: int
) -> tuple[list[str], list[Any]]:
    """story_read.lua's keys and arguments."""
    unique = list(dict.fromkeys(p.key for p in placements))
    position = {b: n for n, b in enumerate(dict.fromkeys(b for i in ids for b in i), 1)}
    story, bucket = keys.story(""), keys.story_bucket("")  # ~30 names an article: prefixed
    names = [story + k for k in unique]
    names += [bucket + b for b in position]
    rows = "1" if reads_rows(placements) else "0"
    args: list[Any] = [len(unique), keys.story_sample(""), limit, rows, *unique]
    for found in ids:
        args += [len(found), *(position[b] for b in found)]
    return names, args


def apply_read(
    state: StoryState, placements: Sequence[Placement], ids: Sequence[Sequence[str]], reply: Any
) -> list[list[str]] | None:
    """Puts story_read.lua's reply in `state`: records, buckets and samples. Returns, when
    the read brought no rows (`reads_rows`), each placement's candidates as ranked there."""
    unique = dict.fromkeys(p.key for p in placements)
    records, rows, stories, samples, ranked = cast(list[Any], reply)
    for key, (story_id, published) in zip(unique, records, strict=True):
        if story_id is not None:
            state.records[key] = StoryRecord(key, story_id.decode(), when(published))
    for story, flat in zip(stories, samples, strict=True):
        state.samples[story.decode()] = sample(flat) if flat else Sample()
    if not reads_rows(placements):
        return [[story.decode() for story in top] for top in ranked]
    for bucket, flat in zip(dict.fromkeys(b for i in ids for b in i), rows, strict=True):
        if flat:
            state.buckets[bucket] = {
                m.decode(): float(score) for m, score in zip(flat[::2], flat[1::2], strict=True)
            }
    return None


def place_all(
    state: StoryState,
    placements: Sequence[Placement],
    ids: Sequence[Sequence[str]],
    limit: int,
    ranked: Sequence[Sequence[str]] | None = None,
) -> list[StoryMatch]:
    """Places the batch in order in `state`, after fetching at once every sample the read
    did not bring that its articles' candidates need as they stand before placing.
    `ranked`: each placement's candidates as the read ranked them, for a read without rows."""
    tops = ranked if ranked is not None else [None] * len(placements)
    proposed: list[str] = []
    for p, found, top in zip(placements, ids, tops, strict=True):
        known = state.records.get(p.key)
        proposed += [known.story_id if known else p.key]
        proposed += state.candidates(found, limit) if top is None else top
    state.ensure(proposed)
    return [
        state.place(p, found, candidates=top)
        for p, found, top in zip(placements, ids, tops, strict=True)
    ]


def write_call(keys: Keys, state: StoryState) -> tuple[list[str], list[Any]] | None:
    """story_write.lua's keys and arguments for what placing changed; None: nothing."""
    changes = state.changes
    if not changes.records:
        return None
    story, sample_of, bucket = keys.story(""), keys.story_sample(""), keys.story_bucket("")
    names = [story + k for k in changes.records]
    names += [sample_of + s for s in changes.samples]
    names += [bucket + b for b in changes.buckets]
    members: list[bytes] = []
    samples = []
    for story, slots in changes.samples.items():
        kept, ordered = state.samples[story], sorted(slots)
        samples.append([kept.pushed, [str(slot) for slot in ordered]])
        members += [pack(cast(Member, kept.slots[slot])) for slot in ordered]
    payload = {
        "records": [[r.story_id, iso(r.published_at)] for r in changes.records.values()],
        "samples": samples,
        "buckets": [entries(scores) for scores in changes.buckets.values()],
        "record_ttl": RECORD_TTL_S,
        "window_ttl": WINDOW_TTL_S,
        "refresh_below_ms": REFRESH_BELOW_S * 1000,
        "cap": STORIES_PER_BUCKET,
    }
    changes.clear()
    return names, [orjson.dumps(payload), *members]


def entries(scores: dict[str, float]) -> list[str]:
    """ZADD's score-member pairs; scores as repr text, which Redis parses back exactly."""
    return [text for story, score in scores.items() for text in (repr(score), story)]


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def when(raw: bytes | None) -> datetime | None:
    return datetime.fromisoformat(raw.decode()) if raw else None


def pack(member: Member) -> bytes:
    """JSON of the small fields, a newline (JSON escapes its own), the raw signature."""
    meta = {
        "key": member.key,
        "published_at": iso(member.published_at) or None,
        "anchors": sorted(member.anchors),
        "dtype": member.hashvalues.dtype.str,
    }
    return orjson.dumps(meta) + b"\n" + member.hashvalues.tobytes()


@functools.lru_cache(maxsize=UNPACKED)
def unpack(raw: bytes) -> Member:
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


def sample(flat: list[bytes]) -> Sample:
    """Slots past `REPRESENTATIVES` (written by a version that kept more) are left out."""
    kept = Sample()
    for field, value in zip(flat[::2], flat[1::2], strict=True):
        if field == _PUSHED:
            kept.pushed = int(value)
        elif int(field) < REPRESENTATIVES:
            kept.slots[int(field)] = unpack(value)
    return kept
