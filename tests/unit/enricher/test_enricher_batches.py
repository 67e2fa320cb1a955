"""The enricher's batch step: one story-index call per batch, reuse of unchanged texts,
and one article's failure kept its own."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import cast

from services.enricher.handlers import INLINE_BATCH, Enricher, Tagged, tag_in_order
from services.enricher.store import CachedTags, EnricherStore
from services.enricher.taggers.duplicates import MemoryStoryIndex
from services.enricher.taggers.pipeline import ENRICHER_VERSION, tag_article
from services.enricher.taggers.stories import Placement, StoryMatch
from shared.consumer.entries import Delivery
from shared.consumer.handler import Batch
from shared.models import Article, EnrichedArticle, RawArticle, Tags

BODY = (
    "TOKYO — The central bank raised its policy rate for the first time in seventeen years "
    "on Tuesday, ending the last negative rate regime among major economies. "
) * 3


def raw(guid: str, *, version: int = 1, body: str = BODY) -> RawArticle:
    article = Article(guid=guid, version=version, headline=f"Rate rise {guid}", body_text=body)
    return RawArticle(
        id=f"id-{guid}", producer="p", content_hash=article.content_hash(), article=article
    )


class CountingIndex(MemoryStoryIndex):
    """The in-memory index, counting its calls and refusing one key (a broken article)."""

    def __init__(self, refuse: str | None = None) -> None:
        super().__init__()
        self.calls: list[int] = []
        self.refuse = refuse

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        self.calls.append(len(placements))
        if any(p.key == self.refuse for p in placements):
            raise ValueError(f"cannot place {self.refuse}")
        return super().assign(placements)


def test_a_batch_is_placed_in_one_index_call_and_rewrites_join_the_first_story() -> None:
    index = CountingIndex()
    batch = [raw("a"), raw("b", body=BODY + " Officials declined to comment."), raw("c")]
    results = tag_in_order(batch, [None] * 3, index)
    assert index.calls == [3]
    stories = [r.tags.story_id for r in results if isinstance(r, Tagged)]
    assert len(stories) == 3
    assert len(set(stories)) == 1


def test_unchanged_texts_are_not_tagged_again() -> None:
    index = CountingIndex()
    known = raw("a")
    cached_tags = Tags(language="en", story_id="s-1")
    cached = CachedTags(known.content_hash, ENRICHER_VERSION, cached_tags)
    stale = CachedTags(known.content_hash, "0.0.1", cached_tags)  # another enricher version
    again = raw("a", version=2)
    batch = [known, raw("b"), raw("b", version=2), again]
    results = tag_in_order(batch, [cached, None, None, stale], index)
    assert [r.reused for r in results if isinstance(r, Tagged)] == [True, False, True, False]
    assert results[0] == Tagged(cached_tags, True)
    assert index.calls == [2]  # b once (its second version reuses it) and a re-tagged


def test_one_broken_article_fails_alone() -> None:
    index = CountingIndex(refuse="id-b")
    results = tag_in_order([raw("a"), raw("b"), raw("c")], [None] * 3, index)
    assert isinstance(results[1], ValueError)
    assert all(isinstance(r, Tagged) for r in (results[0], results[2]))
    assert index.calls == [3, 1, 1, 1]  # the batch, then one by one


def test_a_batch_tags_as_one_by_one() -> None:
    batch = [raw("a"), raw("b", body="LONDON — A different story about the weather. " * 5)]
    in_batch = tag_in_order(batch, [None, None], MemoryStoryIndex())
    single = MemoryStoryIndex()
    one_by_one = [tag_article(r.article, index=single, article_id=r.id) for r in batch]
    assert [r.tags for r in in_batch if isinstance(r, Tagged)] == one_by_one


class ThreadsIndex(CountingIndex):
    """Records the thread each batch was placed on."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[int] = []

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        self.threads.append(threading.get_ident())
        return super().assign(placements)


class MemoryStore:
    """What the handler asks of EnricherStore: no cached tags, every entry published."""

    def __init__(self) -> None:
        self.published: list[str] = []

    async def cached_tags(self, article_ids: Sequence[str]) -> list[CachedTags | None]:
        return [None] * len(article_ids)

    async def publish(self, batch: Sequence[tuple[EnrichedArticle, bytes]]) -> list[bool]:
        self.published += [enriched.id for enriched, _ in batch]
        return [True] * len(batch)


async def test_a_small_batch_is_tagged_on_the_loop_and_a_large_one_in_a_thread() -> None:
    index, store = ThreadsIndex(), MemoryStore()
    enricher = Enricher(cast(EnricherStore, store), index, max_bytes=1 << 20)
    small = [raw(g) for g in "ab"][:INLINE_BATCH]
    large = [raw(f"x{n}") for n in range(INLINE_BATCH + 1)]
    for n, batch in enumerate((small, large)):
        items = [Delivery(f"{n}-{i}".encode(), r) for i, r in enumerate(batch)]
        assert await enricher.handle(items, Batch(None, 1)) == {}
    assert index.threads[0] == threading.get_ident()
    assert index.threads[1] != threading.get_ident()
    assert store.published == [r.id for r in small + large]
