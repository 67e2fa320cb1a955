"""Story clusters in bounded state: what placing an article reads, decides and changes.

Placing an article costs the same whether its story has one article or thousands: LSH buckets
name stories (at most `STORIES_PER_BUCKET` each), only the `CANDIDATES` stories sharing the
rarest buckets are compared, and each through at most `REPRESENTATIVES` of its articles. The
state is plain data so the in-memory index keeps all of it, and the Redis index loads the part
a batch touches, places the batch here and writes back `changes`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

NUM_PERM = 128
LSH_THRESHOLD = 0.2  # recall first: LSH only proposes, the Jaccard check below decides
MIN_JACCARD = 0.25  # rewrites of one story by two wires share about a third of their terms
WINDOW = timedelta(hours=72)  # the same story is filed within days, not months
# Templated stories (earnings, results) share most words but name different companies: one
# story must also name mostly the same people, organisations and places.
MIN_ANCHOR_OVERLAP = 0.5
# A story is compared through its first article (the wire copy rewrites derive from) and its
# latest ones (where a developing story drifts to): all of a small story, a sample of a big one.
REPRESENTATIVES = 6
# Stories compared per article. A rewrite shares buckets that few stories fill; unrelated
# stories meet in buckets of common words, each shared by many, so rarity ranks rewrites first.
CANDIDATES = 8
# Stories kept per LSH bucket, the latest published: a bucket of common words would otherwise
# list every story of the window. Twice CANDIDATES so one crowded bucket cannot fill the list.
STORIES_PER_BUCKET = 16

HashValues = npt.NDArray[np.unsignedinteger[Any]]  # uint32, as datasketch's default scheme


class Signature(Protocol):
    """What placing reads of a MinHash (duplicates.MinHash, or datasketch's)."""

    @property
    def hashvalues(self) -> HashValues: ...


SampleLoader = Callable[[Collection[str]], dict[str, "Sample"]]


# (bands, rows per band) that datasketch's MinHashLSH finds best for LSH_THRESHOLD and
# NUM_PERM (a test checks they still agree): asking it at run time costs importing scipy.
BANDS, ROWS = 28, 2


def band_layout() -> tuple[int, int]:
    return BANDS, ROWS


def buckets(hashvalues: HashValues) -> list[str]:
    """The LSH bucket of each band, `<band>:<digest of its rows>`, in band order."""
    bands, rows = band_layout()
    raw, width = hashvalues.tobytes(), rows * hashvalues.itemsize  # one copy, not one a band
    out = []
    for band in range(bands):
        chunk = raw[band * width : (band + 1) * width]
        out.append(f"{band}:{hashlib.blake2b(chunk, digest_size=10).hexdigest()}")
    return out


@dataclass(frozen=True)
class Placement:
    """An article to place; no signature means a kill notice, which only looks its key up."""

    key: str
    minhash: Signature | None
    published_at: datetime | None
    anchors: frozenset[str] = frozenset()

    def hashvalues(self) -> HashValues:
        assert self.minhash is not None
        return np.array(self.minhash.hashvalues)  # a copy: the signature may be updated later


@dataclass(frozen=True)
class StoryRecord:
    """What is kept of every article, longer than any sample: a late version finds its story."""

    key: str
    story_id: str
    published_at: datetime | None


@dataclass(frozen=True)
class Member:
    """A story's representative: what a later article is compared with."""

    key: str
    published_at: datetime | None
    hashvalues: HashValues
    anchors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StoryMatch:
    story_id: str
    duplicate_of: str | None
    supersedes: str | None


@dataclass
class Sample:
    """A story's representatives: slot 0 its first article, the others a ring of its latest."""

    slots: list[Member | None] = field(default_factory=lambda: [None] * REPRESENTATIVES)
    pushed: int = 0  # members that entered the ring: the next one replaces the oldest

    def members(self) -> list[Member]:
        return [m for m in self.slots if m is not None]

    def add(self, member: Member) -> int:
        """The slot the member now fills; a new version of a representative replaces it."""
        slot = next((i for i, m in enumerate(self.slots) if m and m.key == member.key), None)
        if slot is None and self.slots[0] is None:
            slot = 0
        if slot is None:
            slot = 1 + self.pushed % (REPRESENTATIVES - 1)
            self.pushed += 1
        self.slots[slot] = member
        return slot


@dataclass
class Changes:
    """What placing changed since the last write: the Redis index writes exactly this."""

    records: dict[str, StoryRecord] = field(default_factory=dict)
    buckets: dict[str, dict[str, float]] = field(default_factory=dict)  # story -> new score
    samples: dict[str, set[int]] = field(default_factory=dict)  # story -> slots rewritten

    def clear(self) -> None:
        self.records.clear()
        self.buckets.clear()
        self.samples.clear()


class StoryState:
    """Records by article key, buckets (story -> latest published epoch) and samples by story.

    `load` fetches samples not held yet (the Redis index); without it a missing one is empty.
    `clock` scores undated articles in buckets; without it they count as the latest dated
    article placed so far, which keeps offline runs reproducible.
    """

    def __init__(
        self, *, load: SampleLoader | None = None, clock: Callable[[], float] | None = None
    ) -> None:
        self.records: dict[str, StoryRecord] = {}
        self.buckets: dict[str, dict[str, float]] = {}
        self.samples: dict[str, Sample] = {}
        self.changes = Changes()
        self._load = load
        self._clock = clock
        self._latest = 0.0

    def place(
        self,
        p: Placement,
        ids: Sequence[str] | None = None,
        *,
        candidates: Sequence[str] | None = None,
    ) -> StoryMatch:
        """A known key is a new version of its story; else join the closest recent story.

        `ids`, the buckets of the placement, when the caller has computed them already;
        `candidates`, the stories to compare it with when they were ranked elsewhere
        (story_read.lua, from buckets this state does not hold), else `self.candidates`.
        """
        known = self.records.get(p.key)
        if p.minhash is None:
            return StoryMatch(known.story_id if known else p.key, None, p.key if known else None)
        hashvalues = p.hashvalues()
        ids = ids if ids is not None else buckets(hashvalues)
        if known is not None:
            when = p.published_at or known.published_at
            self._remember(known.story_id, Member(p.key, when, hashvalues, p.anchors), ids)
            return StoryMatch(known.story_id, None, p.key)
        member = Member(p.key, p.published_at, hashvalues, p.anchors)
        best = self._closest(member, self.candidates(ids) if candidates is None else candidates)
        self._remember(best[0] if best else p.key, member, ids)
        return StoryMatch(best[0] if best else p.key, best[1].key if best else None, None)

    def candidates(self, ids: Sequence[str], limit: int = CANDIDATES) -> list[str]:
        """Stories sharing buckets with an article, those sharing the rarest buckets first."""
        weight: dict[str, float] = {}
        latest: dict[str, float] = {}
        for bucket in ids:
            stories = self.buckets.get(bucket)
            if not stories:
                continue
            share = 1.0 / len(stories)
            for story, score in stories.items():
                if story in weight:
                    weight[story] += share
                    latest[story] = max(latest[story], score)
                else:
                    weight[story], latest[story] = share, score
        # sorted()[:limit] is what heapq.nsmallest is defined as, in C throughout where
        # nsmallest loops in Python: 10 against 20 µs on the ~50 stories an article's buckets
        # name, faster up to ~300, slower at the cap's worst (448: 117 against 97 µs).
        ranked = sorted((-w, -latest[s], s) for s, w in weight.items())[:limit]
        return [story for _, _, story in ranked]

    def ensure(self, stories: Collection[str]) -> None:
        """Fetch, in one call, the samples of these stories not held yet."""
        missing = [s for s in dict.fromkeys(stories) if s not in self.samples]
        if not missing:
            return
        loaded = self._load(missing) if self._load else {}
        for story in missing:
            self.samples[story] = loaded.get(story) or Sample()

    def _closest(self, member: Member, stories: Sequence[str]) -> tuple[str, Member] | None:
        self.ensure(stories)
        best: tuple[float, str, Member] | None = None
        for story in stories:
            for rep in self.samples[story].members():
                if not close_in_time(member.published_at, rep.published_at):
                    continue
                score = similarity(member, rep)
                if score >= MIN_JACCARD and (best is None or score > best[0]):
                    best = (score, story, rep)
        return (best[1], best[2]) if best else None

    def _remember(self, story_id: str, member: Member, ids: Sequence[str]) -> None:
        record = StoryRecord(member.key, story_id, member.published_at)
        self.records[member.key] = self.changes.records[member.key] = record
        self.ensure([story_id])
        slot = self.samples[story_id].add(member)
        self.changes.samples.setdefault(story_id, set()).add(slot)
        score = self._score(member.published_at)
        for bucket in ids:
            self._enter(bucket, story_id, score)

    def _score(self, when: datetime | None) -> float:
        if when is not None:
            self._latest = max(self._latest, when.timestamp())
            return when.timestamp()
        return self._clock() if self._clock else self._latest

    def _enter(self, bucket: str, story_id: str, score: float) -> None:
        """Raise the story's score in the bucket, dropping the stalest story past the cap.

        The order (score, then story id) is Redis's own for a sorted set, so trimming there
        after the batch leaves what trimming here one article at a time does.
        """
        stories = self.buckets.setdefault(bucket, {})
        if stories.get(story_id, -math.inf) >= score:
            return
        stories[story_id] = score
        self.changes.buckets.setdefault(bucket, {})[story_id] = score
        if len(stories) > STORIES_PER_BUCKET:
            del stories[min(stories, key=lambda s: (stories[s], s))]


def similarity(a: Member, b: Member) -> float:
    """Estimated Jaccard of the two texts, 0.0 when their names say they are other stories."""
    if not _same_names(a.anchors, b.anchors):
        return 0.0
    return float(np.count_nonzero(a.hashvalues == b.hashvalues)) / NUM_PERM


def _same_names(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return True
    return len(a & b) / min(len(a), len(b)) >= MIN_ANCHOR_OVERLAP


def close_in_time(a: datetime | None, b: datetime | None) -> bool:
    return a is None or b is None or abs(a - b) <= WINDOW
