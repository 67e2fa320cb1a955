"""Keywords from YAKE for spaced scripts and from recurring runs for Japanese and Chinese."""

from __future__ import annotations

from services.enricher.taggers.keywords import extract_keywords

ENGLISH = (
    "Ukraine war: Russia launches massive drone attack on Kyiv. Russia launched one of its "
    "largest drone attacks on Kyiv overnight, Ukrainian officials said, as air defences "
    "downed dozens of drones over the capital."
)


def test_english_keywords_name_the_story() -> None:
    words = [k.lower() for k in extract_keywords(ENGLISH, "en")]
    assert words
    assert any("drone" in k for k in words)
    assert any("kyiv" in k for k in words)


def test_keywords_are_unique_and_bounded() -> None:
    words = extract_keywords(ENGLISH, "en", top=5)
    assert len(words) <= 5
    assert len({k.lower() for k in words}) == len(words)


def test_japanese_keywords_are_recurring_runs() -> None:
    text = "能登半島地震で被害。能登半島では停電が続き、能登半島の住民が避難した。"
    assert extract_keywords(text, "ja")[0] == "能登半島"


def test_unknown_language_uses_english_rules() -> None:
    assert extract_keywords("Storm Ciaran batters northern France with record winds.", "xx")
