"""Scopes, stored documents and reader tokens: the pure parts of what the store writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ranking.domain.list_documents import (
    UnknownScopeError,
    article_document,
    article_scopes,
    normalize_scope,
    stored_article,
)
from services.ranking.domain.repeat_filter import RepeatFilter, bloom_word, reader_token
from shared.models import Article, EnrichedArticle, Entity, Tags, Topic


def enriched(section: str | None = " World ") -> EnrichedArticle:
    return EnrichedArticle(
        event_id="e",
        id="a1",
        producer="p",
        received_at=datetime(2024, 6, 1, tzinfo=UTC),
        enricher_version="1",
        content_hash="h",
        article=Article(guid="g", headline="Leaders meet", section=section, url="https://x/a1"),
        tags=Tags(
            entities=[
                Entity(type="person", name="Fumio Kishida", text="Kishida", start=0, end=7),
                Entity(type="person", name="Fumio  Kishida", text="Kishida", start=9, end=16),
                Entity(type="place", name="San Francisco", text="SF", start=20, end=22),
            ],
            topics=[Topic(code="medtop:11000000", label="politics", score=0.9)],
            story_id="s1",
        ),
    )


def test_scopes_are_lower_cased_sections_entities_and_topics_without_repeats() -> None:
    assert article_scopes(enriched()) == [
        "section:world",
        "person:Fumio Kishida",
        "place:San Francisco",
        "topic:medtop:11000000",
    ]
    assert article_scopes(enriched(section=None))[0] == "person:Fumio Kishida"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("site", "site"),
        ("section:WORLD", "section:world"),
        ("section: World ", "section:world"),
        ("person:Fumio Kishida", "person:Fumio Kishida"),
        ("topic:medtop:11000000", "topic:medtop:11000000"),
    ],
)
def test_normalize_scope(given: str, canonical: str) -> None:
    assert normalize_scope(given) == canonical


@pytest.mark.parametrize("bad", ["world", "tag:x", "section:", "person:  "])
def test_bad_scopes_are_refused(bad: str) -> None:
    with pytest.raises(UnknownScopeError):
        normalize_scope(bad)


def test_document_round_trips_without_nulls() -> None:
    doc = article_document(enriched(section=None))
    assert None not in doc.values()
    out = stored_article(doc)
    assert out["section"] is None
    assert out["story_id"] == "s1"
    assert out["tags"]["entities"][0] == {"type": "person", "name": "Fumio Kishida"}


def test_reader_tokens_are_stable_and_per_article() -> None:
    token = reader_token("r1", "a1")
    assert token == reader_token("r1", "a1")
    assert token != reader_token("r1", "a2")
    assert len(token) == 8
    word, mask = bloom_word(token, 16)
    assert 0 <= word < 1 << (16 - 5)  # a 32-bit word of one slot's half
    assert 1 <= bin(mask).count("1") <= 3
    assert 0 < mask < 1 << 32


def test_repeat_filter_sizing() -> None:
    f = RepeatFilter(1800, 26)
    assert f.enabled
    assert f.bitmap_bytes == 16 * 1024 * 1024
    assert f.false_positive_rate(1_000_000) < 0.001
    # blocked (3 bits in one word): ~6.1% where 3 scattered bits would give ~4.7%
    assert f.false_positive_rate(10_000_000) < 0.065
    assert not RepeatFilter(0).enabled
    with pytest.raises(ValueError, match="bits_log2"):
        RepeatFilter(60, 40)
