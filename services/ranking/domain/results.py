"""What the ranking store hands back: list items for the HTTP answers and batch outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


class RankedItem(BaseModel):
    """One row of /v1/popular, /v1/ranking or /v1/trending ."""

    rank: int
    id: str
    headline: str
    section: str | None = None
    url: str | None = None
    views: int
    score: float
    # A story (near-duplicates and versions, `story_id`) is one row: the most-read version
    # leads; `versions` counts the story's versions in the list read, `other_versions`
    # names the others (their views are theirs, not added to the lead's).
    story_id: str | None = None
    versions: int = 1
    other_versions: list[str] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CountResult:
    """Outcome of one batch; the six counts add up to the batch size.

    `counted` views entered the popularity lists. `rejected_repeat` views were a reader the
    repeat filter had already counted: they add to the article's all-time `views` and unique
    readers but not to the lists. `duplicates` were acked before (redelivery, a reclaim race)
    and changed nothing. `held` are views of an article ranking does not know yet: they
    reach the lists, in their own minute, when it arrives. `unknown` were views of a killed
    article, or of one that could not be held (too many held at once): they count nowhere.
    """

    counted: int = 0
    duplicates: int = 0
    rejected_bots: int = 0
    rejected_repeat: int = 0
    unknown: int = 0
    held: int = 0

    @property
    def total(self) -> int:
        rejected = self.rejected_bots + self.rejected_repeat
        return self.counted + self.duplicates + rejected + self.unknown + self.held
