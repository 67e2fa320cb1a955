"""The enricher's batch step: one story-index call per batch, reuse of unchanged texts,
and one article's failure kept its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any, cast

import pytest

from services.enricher import handlers
from services.enricher.batch_tagging import (
    Drafted,
    OffLoop,
    Recent,
    Tagged,
    draft_in_order,
    place_in_order,
)
from services.enricher.handlers import INLINE_BATCH, Enricher
from services.enricher.store import CachedTags, EnricherStore
from services.enricher.taggers.duplicates import MemoryStoryIndex, StoryIndex
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


def tag_in_order(
    raws: Sequence[RawArticle],
    cached: Sequence[CachedTags | None],
    index: StoryIndex,
    recent: Recent | None = None,
) -> list[Tagged | BaseException]:
    """Both of the enricher's steps on one batch, as it runs them when no other overlaps."""
    recent = recent or Recent()
    drafted = draft_in_order(raws, cached, recent)
    return asyncio.run(place_in_order(drafted, OffLoop(index, inline=True), recent))


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


def test_a_text_the_batch_before_tagged_is_reused_though_the_cache_missed_it() -> None:
    """The next batch's cache lookup goes out before the batch before it publishes: the
    tags this process made last stand in for the cache."""
    index, recent = CountingIndex(), Recent()
    first = tag_in_order([raw("a"), raw("b")], [None, None], index, recent)
    again = tag_in_order([raw("a", version=2), raw("c")], [None, None], index, recent)
    assert index.calls == [2, 1]  # c alone: a's text was placed already
    assert isinstance(first[0], Tagged)
    assert isinstance(again[0], Tagged)
    assert again[0] == Tagged(first[0].tags, True)
    edited = tag_in_order([raw("a", body=BODY + " More.")], [None], index, recent)
    assert index.calls == [2, 1, 1]  # a new text is tagged again
    assert isinstance(edited[0], Tagged)
    assert not edited[0].reused


def test_recent_tags_are_bounded() -> None:
    recent = Recent(cap=2)
    for guid in "abc":
        recent.remember(raw(guid), Tags(language="en"))
    assert recent.get("id-a") is None
    assert recent.get("id-b") is not None
    assert recent.get("id-c") is not None


class BlockingIndex(CountingIndex):
    """Holds the first batch's placing until `release` is set, as a slow Redis would."""

    def __init__(self) -> None:
        super().__init__()
        self.placing = threading.Event()
        self.release = threading.Event()

    def assign(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        if not self.calls:
            self.placing.set()
            assert self.release.wait(10)
        return super().assign(placements)


async def test_the_next_batch_is_drafted_while_one_is_placed_and_both_keep_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drafted: list[list[str]] = []

    def drafting(raws: Sequence[RawArticle], *args: Any) -> Drafted:
        out = draft_in_order(raws, *args)
        drafted.append([r.id for r in raws])
        return out

    monkeypatch.setattr(handlers, "draft_in_order", drafting)
    index, store = BlockingIndex(), MemoryStore()
    enricher = Enricher(cast(EnricherStore, store), index, max_bytes=1 << 20)
    size = INLINE_BATCH + 1
    first = [Delivery(f"1-{n}".encode(), raw(f"a{n}")) for n in range(size)]
    second = [Delivery(f"2-{n}".encode(), raw(f"b{n}")) for n in range(size)]
    one = asyncio.create_task(enricher.handle(first, Batch(None, 1)))
    assert await asyncio.to_thread(index.placing.wait, 10)
    await asyncio.wait_for(enricher.drafting_free(), 5)  # the runner may read the next one
    two = asyncio.create_task(enricher.handle(second, Batch(None, 1)))
    for _ in range(500):
        await asyncio.sleep(0.01)
        if len(drafted) == 2:
            break
    assert drafted == [[r.message.id for r in batch] for batch in (first, second)]
    assert not one.done()  # the first batch is still being placed
    assert index.calls == []  # and the second waits its turn to be
    index.release.set()
    assert list(await asyncio.wait_for(asyncio.gather(one, two), 10)) == [{}, {}]
    assert index.calls == [size, size]
    assert store.published == [d.message.id for d in first + second]


class AsyncIndex(CountingIndex):
    """Places on the event loop, as the Redis index does with its asyncio client; holds
    the first batch until `release` is set, as a slow Redis would."""

    def __init__(self, refuse: str | None = None, *, hold: bool = False) -> None:
        super().__init__(refuse)
        self.placing, self.release = asyncio.Event(), asyncio.Event()
        self.threads: list[int] = []
        if not hold:
            self.release.set()

    async def assign_async(self, placements: Sequence[Placement]) -> list[StoryMatch]:
        self.threads.append(threading.get_ident())
        self.placing.set()
        await self.release.wait()
        return self.assign(placements)


async def test_placing_on_the_loop_tags_as_placing_in_a_thread() -> None:
    batch = [raw("a"), raw("b", body=BODY + " Officials declined to comment."), raw("c")]
    blocking, recent = CountingIndex(refuse="id-b"), Recent()
    drafted = draft_in_order(batch, [None] * 3, recent)
    expected = await place_in_order(drafted, OffLoop(blocking, inline=False), recent)
    on_loop, recent = AsyncIndex(refuse="id-b"), Recent()
    drafted = draft_in_order(batch, [None] * 3, recent)
    results = await place_in_order(drafted, on_loop, recent)
    assert [r.tags if isinstance(r, Tagged) else repr(r) for r in results] == [
        r.tags if isinstance(r, Tagged) else repr(r) for r in expected
    ]
    assert isinstance(results[1], ValueError)  # one broken article fails alone
    assert on_loop.calls == blocking.calls == [3, 1, 1, 1]
    assert set(on_loop.threads) == {threading.get_ident()}


async def test_a_small_batch_is_drafted_while_the_one_before_waits_on_the_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The index's wait no longer holds the event loop: the next article is drafted (on the
    loop, being small) while the one before it is placed, and both keep their order."""
    drafted: list[str] = []

    def drafting(raws: Sequence[RawArticle], *args: Any) -> Drafted:
        drafted.extend(r.id for r in raws)
        return draft_in_order(raws, *args)

    monkeypatch.setattr(handlers, "draft_in_order", drafting)
    index, store = AsyncIndex(hold=True), MemoryStore()
    enricher = Enricher(cast(EnricherStore, store), index, max_bytes=1 << 20)
    one = asyncio.create_task(enricher.handle([Delivery(b"1-0", raw("a"))], Batch(None, 1)))
    await asyncio.wait_for(index.placing.wait(), 5)
    await asyncio.wait_for(enricher.drafting_free(), 5)  # the runner may read the next one
    two = asyncio.create_task(enricher.handle([Delivery(b"2-0", raw("b"))], Batch(None, 1)))
    for _ in range(500):
        await asyncio.sleep(0.01)
        if len(drafted) == 2:
            break
    assert drafted == ["id-a", "id-b"]
    assert not one.done()  # the first is still held in placing
    assert index.calls == []  # and the second waits its turn to be placed
    index.release.set()
    assert list(await asyncio.wait_for(asyncio.gather(one, two), 10)) == [{}, {}]
    assert index.calls == [1, 1]
    assert index.threads == [threading.get_ident()] * 2
    assert store.published == ["id-a", "id-b"]
