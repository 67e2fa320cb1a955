"""Forward decay for trending scores: add exp(λ·(t − t0)) per view, divide by exp(λ·(now − t0)).

Stored scores only ever grow, so nothing is rewritten as time passes; a periodic rebase moves
the landmark t0 forward and scales every score down once, which keeps numbers finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# exp(30) ≈ 1e13: far from float overflow and still leaves 3 decimal digits of a fresh view
# visible beside the largest score a double can add exactly.
REBASE_AT_EXPONENT = 30.0
# After a rebase, members worth less than this many fresh views are dropped (bounded memory).
PURGE_BELOW = 0.01


@dataclass(frozen=True, slots=True)
class Decay:
    half_life_s: float

    def __post_init__(self) -> None:
        if not self.half_life_s > 0:
            raise ValueError("half_life_s must be positive")

    @property
    def rate(self) -> float:
        """λ = ln 2 / half-life: a view's weight halves every half-life."""
        return math.log(2) / self.half_life_s

    def weight(self, t: float, t0: float) -> float:
        """What one view at `t` adds to a stored score kept against landmark `t0`."""
        return math.exp(self.rate * (t - t0))

    def normalize(self, stored: float, t0: float, now: float) -> float:
        """A stored score as decayed views at `now`: a view this instant counts 1."""
        return stored * math.exp(-self.rate * (now - t0))

    def needs_rebase(self, t0: float, now: float) -> bool:
        return self.rate * (now - t0) > REBASE_AT_EXPONENT

    def rebase_factor(self, old_t0: float, new_t0: float) -> float:
        """Multiply stored scores by this to keep them against `new_t0` instead."""
        return math.exp(-self.rate * (new_t0 - old_t0))

    def purge_threshold(self) -> float:
        """Stored-score floor right after a rebase to `now` (where stored == normalized)."""
        return PURGE_BELOW

    def explain(self, stored: float, t0: float, now: float) -> dict[str, float | str]:
        """How a trending score was made, for the article detail endpoint."""
        return {
            "formula": "sum over counted views of exp(-ln2 * (now - t_view) / half_life_s)",
            "half_life_s": self.half_life_s,
            "landmark_t0": t0,
            "stored": stored,
            "decayed_views": round(self.normalize(stored, t0, now), 6),
        }
