"""A batch of raw articles to tags, in two steps the enricher runs on different batches at
once: drafting (every tag but the story: the CPU) and placing (the story index: mostly
waiting on Redis). No I/O of its own apart from the index it is given.

An article whose text was tagged before by this enricher version keeps those tags (and its
story), so a headline-only correction does not reshuffle clusters: the tag cache in Redis
says so, or, for a batch drafted while the one before it was still being placed, the tags
this process made most recently (`Recent`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from services.enricher.store import CachedTags
from services.enricher.taggers.duplicates import (
    AsyncStoryIndex,
    Placement,
    StoryIndex,
    StoryMatch,
)
from services.enricher.taggers.pipeline import ENRICHER_VERSION, Draft, draft_article, tags_of
from shared.logging import get_logger
from shared.models import RawArticle, Tags

log = get_logger(__name__)
# Tags kept in process by article id: a few batches' worth, ~3 KB each.
RECENT = 512


@dataclass(frozen=True, slots=True)
class Tagged:
    tags: Tags
    reused: bool


class Recent:
    """The tags this process made last, by article id, at most `cap` of them.

    Written only while placing (one batch at a time), read while drafting the next batch,
    whose tag cache lookup went out before the batch before it was published.
    """

    def __init__(self, cap: int = RECENT) -> None:
        self.cap = cap
        self._tags: dict[str, CachedTags] = {}

    def get(self, article_id: str) -> CachedTags | None:
        return self._tags.get(article_id)

    def remember(self, raw: RawArticle, tags: Tags) -> None:
        self._tags.pop(raw.id, None)
        self._tags[raw.id] = CachedTags(raw.content_hash, ENRICHER_VERSION, tags)
        if len(self._tags) > self.cap:
            del self._tags[next(iter(self._tags))]


def _reusable(raw: RawArticle, cached: CachedTags | None) -> Tags | None:
    """Tags of the same text by the same enricher version; a new version re-tags."""
    if (
        cached is not None
        and cached.content_hash == raw.content_hash
        and cached.enricher_version == ENRICHER_VERSION
    ):
        return cached.tags
    return None


# Per entry: reused tags, a draft to place, the error that stopped it, or the position of an
# earlier entry of the batch with the same text (whose result it takes).
Slot = Tagged | Draft | BaseException | int


@dataclass(frozen=True, slots=True)
class Drafted:
    raws: Sequence[RawArticle]
    slots: list[Slot]


def draft_in_order(
    raws: Sequence[RawArticle], cached: Sequence[CachedTags | None], recent: Recent
) -> Drafted:
    """Drafts what the batch must tag: not a text already tagged, nor one an earlier entry
    of the batch has. One article's failure is its own."""
    slots: list[Slot] = []
    first: dict[tuple[str, str], int] = {}
    for n, (raw, known) in enumerate(zip(raws, cached, strict=True)):
        reused = _reusable(raw, known)
        if reused is None:
            reused = _reusable(raw, recent.get(raw.id))
        text = (raw.id, raw.content_hash)
        if reused is not None:
            slots.append(Tagged(reused, True))
        elif text in first:
            slots.append(first[text])
        else:
            first[text] = n
            try:
                slots.append(draft_article(raw.article, raw.id, sign=True))
            except Exception as exc:
                log.exception("article.drafting_failed", article_id=raw.id)
                slots.append(exc)
    return Drafted(raws, slots)


async def place_in_order(
    drafted: Drafted, index: AsyncStoryIndex, recent: Recent
) -> list[Tagged | BaseException]:
    """Places the batch's drafts in stream order (an earlier article may start the story a
    later one joins) in one call of the index, and completes every entry's result."""
    raws, slots = drafted.raws, list(drafted.slots)
    for n, slot in enumerate(slots):  # tagged by the batch before, since this one was drafted
        if isinstance(slot, Draft):
            again = _reusable(raws[n], recent.get(raws[n].id))
            slots[n] = slot if again is None else Tagged(again, True)
    todo = [(n, slot) for n, slot in enumerate(slots) if isinstance(slot, Draft)]
    stories = await _assign_each_alone_on_failure([d.placement for _, d in todo], index)
    for (n, draft), story in zip(todo, stories, strict=True):
        if isinstance(story, BaseException):
            slots[n] = story
            continue
        tags = tags_of(draft, story)
        recent.remember(raws[n], tags)
        slots[n] = Tagged(tags, False)
    return [_settled(slots, slot) for slot in slots]


class OffLoop:
    """A blocking index (in memory, or Redis without an asyncio client) behind the awaited
    interface: it places on the event loop when `inline`, else in a worker thread."""

    def __init__(self, index: StoryIndex, *, inline: bool) -> None:
        self.index = index
        self.inline = inline

    async def assign_async(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        if self.inline:
            return self.index.assign(placements)
        return await asyncio.to_thread(self.index.assign, placements)


def _settled(slots: Sequence[Slot], slot: Slot) -> Tagged | BaseException:
    """An entry's result once the batch is placed: an entry repeating an earlier one's text
    takes its tags (reused) or its error."""
    if isinstance(slot, int):
        slot = slots[slot]
        if isinstance(slot, Tagged):
            return Tagged(slot.tags, True)
    if isinstance(slot, Tagged | BaseException):
        return slot
    raise AssertionError(f"an entry left unplaced: {slot!r}")


async def _assign_each_alone_on_failure(
    placements: Sequence[Placement], index: AsyncStoryIndex
) -> list[StoryMatch | BaseException]:
    """A batch the index fails to place is placed one by one: one article's failure is its
    own."""
    if not placements:
        return []
    try:
        return list(await index.assign_async(placements))
    except Exception:
        log.exception("batch.placing_failed", size=len(placements))
    out: list[StoryMatch | BaseException] = []
    for placement in placements:
        try:
            out += await index.assign_async([placement])
        except Exception as exc:
            out.append(exc)
    return out
