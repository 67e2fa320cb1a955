"""Story clusters: MinHash near-duplicates across wires, versions of one guid superseding.

Signatures are made here; `stories` holds the bounded state that places them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from services.enricher.taggers.scripts import CJK_RUN
from services.enricher.taggers.stories import (
    NUM_PERM,
    HashValues,
    Placement,
    StoryMatch,
    StoryState,
)

__all__ = [
    "SEED",
    "MemoryStoryIndex",
    "MinHash",
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
# Any code point from the lowest one CJK_RUN or _HANGUL_WORD can match.
_MAYBE_CJK = re.compile("[\u3005-\U0010ffff]")


def shingles(text: str) -> set[str]:
    """Content words for spaced scripts and character bigrams for Han and kana runs.

    Word unigrams rather than n-grams: two wires rewriting one story share vocabulary, not
    phrasing, and bigrams over CJK runs play the same role where there are no spaces.
    """
    norm = unicodedata.normalize("NFKC", text).lower()
    out: set[str] = set()
    spaced = norm
    # One cheap scan tells Latin (Cyrillic, Greek...) text from text that may hold CJK or
    # Hangul, and spares it three scans that would find nothing (~15 against ~90 us).
    if _MAYBE_CJK.search(norm):
        for run in CJK_RUN.findall(norm):
            out.update(run[i : i + 2] for i in range(len(run) - 1))
        spaced = CJK_RUN.sub(" ", norm)
        out.update(_HANGUL_WORD.findall(spaced))
    out.update(_WORD.findall(spaced))
    return out


# datasketch's MinHash ("affine32" scheme, its default since 2.0) computed here with numpy:
# importing datasketch loads scipy.integrate for its LSH, ~50 MB of the enricher's memory for
# nothing it uses. Signatures are bit for bit datasketch's (tests compare them), so stored
# signatures and the story index keep matching across the change.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


@dataclass(frozen=True)
class MinHash:
    """A text's signature: per permutation, the least permuted hash of its shingles."""

    hashvalues: HashValues


@lru_cache(maxsize=1)
def _permutations() -> tuple[HashValues, HashValues]:
    """(a, b) of the affine permutations h -> a*h + b mod 2^32, drawn as datasketch draws them."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _mixed(hashes: HashValues) -> HashValues:
    """MurmurHash3's 32-bit finalizer: datasketch mixes every input hash once with it."""
    shift1, mult1, shift2, mult2 = _FMIX32
    hashes = hashes ^ (hashes >> shift1)
    hashes = hashes * mult1
    hashes = hashes ^ (hashes >> shift2)
    hashes = hashes * mult2
    return hashes ^ (hashes >> shift1)


def signature(text: str) -> MinHash:
    """crc32 of each shingle: deterministic across processes and ~5x cheaper than sha1."""
    tokens = shingles(text)
    if not tokens:
        return MinHash(np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32))
    hashes = np.fromiter(
        (zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint32, count=len(tokens)
    )
    a, b = _permutations()
    permuted = _mixed(hashes).reshape(-1, 1) * a + b  # wraps mod 2^32, as uint32 arithmetic does
    return MinHash(permuted.min(axis=0))


class StoryIndex(Protocol):
    """Where stories live: in memory for `newsdesk tag`, in Redis for the service."""

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        """Place articles in order, as if one by one: later ones may join earlier ones."""
        ...


@runtime_checkable
class AsyncStoryIndex(Protocol):
    """An index that places without blocking the event loop (the Redis one, in the service)."""

    async def assign_async(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        """`StoryIndex.assign`, awaited."""
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
