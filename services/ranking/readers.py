"""Reader tokens: one stable 64-bit hash per (reader, article) for the repeat filter and HLLs.

The repeat filter is a Bloom filter per time slot of `interval_s` (3 bits per token), the two
live slots being the halves of one Redis bitmap, because a key or set member per (reader,
article) grows with traffic: 10 M views would be ~1 GB of `SET NX EX` keys, while the bitmap
has a fixed size whatever the traffic. A view is a repeat when its token is in the current or
the previous slot; every view marks the current slot. So a reader is counted at most once per
interval, and one who keeps coming back without a pause of a whole slot counts once per visit
(a live blog on auto-refresh counts once). A Bloom filter never misses a real repeat (no
double count); a false positive keeps a new reader out of the lists, at the rate
`false_positive_rate` gives. Per article, the token is a one-to-one stand-in for the reader id,
so the same tokens feed the unique-reader HyperLogLog.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

HASHES = 3


def reader_token(reader_id: str, article_id: str) -> str:
    """16 hex digits; Lua splits them into two 32-bit halves for double hashing."""
    digest = hashlib.blake2b(f"{reader_id}\x1f{article_id}".encode(), digest_size=8)
    return digest.hexdigest()


def bloom_positions(token: str, bits_log2: int) -> tuple[int, int, int]:
    """The bits Lua sets for a token (Kirsch-Mitzenmacher); mirrored here for tests."""
    size = 1 << bits_log2
    h1 = int(token[:8], 16)
    h2 = int(token[8:16], 16) | 1
    return h1 % size, (h1 + h2) % size, (h1 + 2 * h2) % size


@dataclass(frozen=True, slots=True)
class RepeatFilter:
    """A reader counts once per article per `interval_s` (0 turns the filter off)."""

    interval_s: int
    bits_log2: int = 26

    def __post_init__(self) -> None:
        if self.interval_s < 0:
            raise ValueError("interval_s must be >= 0")
        if not 10 <= self.bits_log2 <= 32:
            raise ValueError("bits_log2 must be within 10..32 (a Redis string is <= 512 MB)")

    @property
    def enabled(self) -> bool:
        return self.interval_s > 0

    @property
    def bitmap_bytes(self) -> int:
        """The whole filter: two slots of 2**bits_log2 bits each."""
        return 2 * (1 << self.bits_log2) // 8

    def false_positive_rate(self, tokens_per_slot: int) -> float:
        """Chance a new (reader, article) is taken for a repeat with this many in one slot."""
        bits = 1 << self.bits_log2
        return (1.0 - math.exp(-HASHES * tokens_per_slot / bits)) ** HASHES
