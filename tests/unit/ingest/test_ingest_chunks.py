"""How ingest cuts a request into script calls: bounded, and the same cut for a retry."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from services.ingest.publisher import (
    ARTICLE_BYTES_PER_CALL,
    ARTICLES_PER_CALL,
    VIEW_BYTES_PER_CALL,
    VIEW_OVERHEAD_BYTES,
    VIEWS_PER_CALL,
    Prepared,
    article_chunks,
    chunks,
    message,
    view_chunks,
)
from shared.models import Article, RawArticle, ViewEvent


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ([], []),
        ([1] * 7, [3, 3, 1]),  # by count
        ([4, 4, 4, 1], [2, 2]),  # by size
        ([20, 1, 1], [1, 2]),  # an item over the size goes alone
        ([1, 20, 1], [1, 1, 1]),
    ],
)
def test_chunks_hold_at_most_count_items_and_size(weights: list[int], expected: list[int]) -> None:
    cut = list(chunks(weights, lambda w: w, count=3, size=9))
    assert [len(c) for c in cut] == expected
    assert [w for c in cut for w in c] == weights


def largest(n: int) -> dict[str, str]:
    return {
        "article_id": "a" * 128,
        "event_id": f"e{n}".ljust(128, "e"),
        "reader_id": "r" * 256,
        "user_agent": "u" * 1024,
        "referrer": "x" * 2048,
    }


def test_a_chunk_of_the_largest_views_stays_within_the_byte_budget() -> None:
    views = [(ViewEvent.model_validate(largest(n)), True) for n in range(1000)]
    for chunk in view_chunks(views):
        size = sum(len(orjson.dumps(v.model_dump(mode="json"))) for v, _ in chunk)
        assert size <= VIEW_BYTES_PER_CALL + VIEW_OVERHEAD_BYTES * len(chunk)
        assert len(chunk) < VIEWS_PER_CALL
    small = [(ViewEvent(article_id="a"), False) for _ in range(1000)]
    assert [len(c) for c in view_chunks(small)] == [VIEWS_PER_CALL] * 4


def test_a_retry_of_the_same_body_is_cut_the_same_way() -> None:
    """The server fills event ids and times anew on each attempt; the cut must not move,
    since a retry's chunk markers name chunks by their number."""
    docs = [largest(n) if n % 3 else {"article_id": f"a{n}"} for n in range(900)]

    def cut(now: datetime) -> list[int]:
        views = [(ViewEvent.model_validate({"ts": now, **d}), "event_id" in d) for d in docs]
        return [len(c) for c in view_chunks(views)]

    assert cut(datetime(2030, 1, 1, tzinfo=UTC)) == cut(
        datetime(2030, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    )


def prepared(body_bytes: int) -> Prepared:
    raw = RawArticle(
        id="x",
        producer="p",
        content_hash="h",
        article=Article(guid="g", body_text="w" * body_bytes),
    )
    return Prepared(raw, message(raw))


def test_article_round_trips_are_bounded_by_count_and_bytes() -> None:
    small = [prepared(100)] * 250
    assert [len(c) for c in article_chunks(small)] == [ARTICLES_PER_CALL] * 2 + [50]
    large = [prepared(400_000)] * 5
    assert [len(c) for c in article_chunks(large)] == [2, 2, 1]
    assert 2 * len(large[0].payload) <= ARTICLE_BYTES_PER_CALL < 3 * len(large[0].payload)
