"""Story clusters: MinHash near-duplicates across wires, versions of one guid superseding."""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from datasketch import MinHash, MinHashLSH

from services.enricher.taggers.scripts import CJK_RUN

NUM_PERM = 128
SEED = 20240606  # fixed so signatures stored by one process match those of the next
LSH_THRESHOLD = 0.2  # recall first: LSH only proposes, the Jaccard check below decides
MIN_JACCARD = 0.25  # rewrites of one story by two wires share about a third of their terms
WINDOW = timedelta(hours=72)  # the same story is filed within days, not months
# Templated stories (earnings, results) share most words but name different companies: one
# story must also name mostly the same people, organisations and places.
MIN_ANCHOR_OVERLAP = 0.5
BASENAME = b"newsdesk:stories"
_WORD = re.compile(r"[^\W\d_]{4,}")
_HANGUL_WORD = re.compile(r"[가-힣]{2,}")


def shingles(text: str) -> set[str]:
    """Content words for spaced scripts and character bigrams for Han and kana runs.

    Word unigrams rather than n-grams: two wires rewriting one story share vocabulary, not
    phrasing, and bigrams over CJK runs play the same role where there are no spaces.
    """
    norm = unicodedata.normalize("NFKC", text).lower()
    out: set[str] = set()
    for run in CJK_RUN.findall(norm):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    spaced = CJK_RUN.sub(" ", norm)
    out.update(_WORD.findall(spaced))
    out.update(_HANGUL_WORD.findall(spaced))
    return out


@lru_cache(maxsize=1)
def _template() -> MinHash:
    """Built once: datasketch would otherwise redraw the permutations for every signature."""
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32)


def signature(text: str) -> MinHash:
    template = _template()
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=SEED,
        hashfunc=zlib.crc32,  # deterministic across processes and ~5x cheaper than sha1
        permutations=template.permutations,
        scheme=template.scheme,
    )
    tokens = sorted(shingles(text))
    if tokens:
        minhash.update_batch([t.encode("utf-8") for t in tokens])
    return minhash


@dataclass
class StoryRecord:
    """What the index remembers of an article to place later ones."""

    key: str
    story_id: str
    published_at: datetime | None
    minhash: MinHash
    anchors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StoryMatch:
    story_id: str
    duplicate_of: str | None
    supersedes: str | None


class StoryIndex(Protocol):
    """Where signatures live: in memory for `newsdesk tag`, in Redis for the service."""

    def query(self, minhash: MinHash) -> list[str]: ...

    def insert(self, key: str, minhash: MinHash) -> None: ...

    def get(self, key: str) -> StoryRecord | None: ...

    def put(self, record: StoryRecord) -> None: ...


class MemoryStoryIndex:
    """datasketch MinHashLSH in a dict, with the fixed basename a Redis storage would use."""

    def __init__(self, threshold: float = LSH_THRESHOLD) -> None:
        self._lsh = MinHashLSH(
            threshold=threshold,
            num_perm=NUM_PERM,
            storage_config={"type": "dict", "basename": BASENAME},
        )
        self._records: dict[str, StoryRecord] = {}

    def query(self, minhash: MinHash) -> list[str]:
        return sorted(str(key) for key in self._lsh.query(minhash))

    def insert(self, key: str, minhash: MinHash) -> None:
        if key in self._lsh.keys:
            self._lsh.remove(key)
        self._lsh.insert(key, minhash)

    def get(self, key: str) -> StoryRecord | None:
        return self._records.get(key)

    def put(self, record: StoryRecord) -> None:
        self._records[record.key] = record


def assign_story(
    index: StoryIndex,
    key: str,
    minhash: MinHash,
    published_at: datetime | None,
    anchors: frozenset[str] = frozenset(),
) -> StoryMatch:
    """Place an article: a known key is a new version, else join the closest recent story.

    `anchors` are the names the article mentions (entity names), compared as a second test.
    """
    known = index.get(key)
    if known is not None:
        when = published_at or known.published_at
        index.put(StoryRecord(key, known.story_id, when, minhash, anchors))
        index.insert(key, minhash)
        return StoryMatch(known.story_id, None, key)
    best: tuple[float, StoryRecord] | None = None
    for candidate in index.query(minhash):
        record = index.get(candidate)
        if record is None or not _close_in_time(published_at, record.published_at):
            continue
        if not _same_names(anchors, record.anchors):
            continue
        similarity = minhash.jaccard(record.minhash)
        if similarity >= MIN_JACCARD and (best is None or similarity > best[0]):
            best = (similarity, record)
    story_id = best[1].story_id if best else key
    index.put(StoryRecord(key, story_id, published_at, minhash, anchors))
    index.insert(key, minhash)
    return StoryMatch(story_id, best[1].key if best else None, None)


def _same_names(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return True
    return len(a & b) / min(len(a), len(b)) >= MIN_ANCHOR_OVERLAP


def _close_in_time(a: datetime | None, b: datetime | None) -> bool:
    return a is None or b is None or abs(a - b) <= WINDOW
