"""Story clusters: MinHash near-duplicates across wires, versions of one guid superseding.

Signatures are made here; `stories` holds the bounded state that places them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from datasketch import MinHash

from services.enricher.taggers.scripts import CJK_RUN
from services.enricher.taggers.stories import NUM_PERM, Placement, StoryMatch, StoryState

__all__ = [
    "SEED",
    "MemoryStoryIndex",
    "Placement",
    "StoryIndex",
    "StoryMatch",
    "assign_story",
    "shingles",
    "signature",
]

SEED = 20240606  # fixed so signatures stored by one process match those of the next
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


class StoryIndex(Protocol):
    """Where stories live: in memory for `newsdesk tag`, in Redis for the service."""

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        """Place articles in order, as if one by one: later ones may join earlier ones."""
        ...


class MemoryStoryIndex:
    """The whole story state in one process, within the bounds the Redis index keeps."""

    def __init__(self) -> None:
        self.state = StoryState()

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        matches = [self.state.place(p) for p in placements]
        self.state.changes.clear()  # nothing to write back: the state is the index
        return matches


def assign_story(
    index: StoryIndex,
    key: str,
    minhash: MinHash,
    published_at: datetime | None,
    anchors: frozenset[str] = frozenset(),
) -> StoryMatch:
    """Place one article: a known key is a new version, else join the closest recent story.

    `anchors` are the names the article mentions (entity names), compared as a second test.
    """
    return index.assign([Placement(key, minhash, published_at, anchors)])[0]
