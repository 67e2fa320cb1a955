"""Keywords from YAKE for spaced scripts and from recurring runs for Japanese and Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from services.enricher.taggers import keywords as keywords_module
from services.enricher.taggers.keywords import extract_keywords

DEV = Path(__file__).resolve().parents[2] / "data" / "eval" / "dev"

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


SEED_HEADLINE = (
    "Japan’s Kishida, South Korea’s Yoon Confirm to Cooperate Against N. Korea in San Francisco"
)
SEED_BODY = (
    "SAN FRANCISCO — Prime Minister Fumio Kishida and South Korean President Yoon Suk Yeol on "
    "Thursday confirmed their intention to work bilaterally and trilaterally with the United "
    "States to ensure security in East Asia, with an eye on such issues as North Korea’s "
    "nuclear weapons. “In conjunction with President Yoon, we have moved Japan-Korea "
    "cooperation forward,” Kishida said."
)


def _whole_phrase_in(keyword: str, text: str) -> bool:
    if re.search("[\u3040-\u30ff\u4e00-\u9fff]", keyword):
        return keyword in text  # Japanese and Chinese do not space their words
    return re.search(rf"(?<![\w’'\-]){re.escape(keyword)}(?![\w\-])", text) is not None


def test_title_case_headline_gives_names_not_fragments() -> None:
    words = extract_keywords(f"{SEED_HEADLINE}. {SEED_BODY}", "en")
    assert "South Korea" in words
    assert {"Kore", "South", "Yoon Confirm", "Japan Kishida"}.isdisjoint(words)


def test_keywords_are_whole_phrases_of_the_text() -> None:
    text = f"{SEED_HEADLINE}. {SEED_BODY}"
    for keyword in extract_keywords(text, "en"):
        assert _whole_phrase_in(keyword, text), keyword


def test_a_name_keyword_is_the_whole_name() -> None:
    text = (
        "European Central Bank lowers rates as inflation eases. FRANKFURT — The European "
        "Central Bank lowered rates as inflation eased."
    )
    words = extract_keywords(text, "en")
    assert "European Central Bank" in words
    assert not {"European Central", "Central Bank"} & set(words)


def test_sample_is_cut_between_words() -> None:
    text = "Ukraine war: Russia launches massive drone attack on Kyiv. Russia launched drones."
    assert all(_whole_phrase_in(k, text) for k in extract_keywords(text, "en"))


def test_every_dev_keyword_occurs_in_its_article() -> None:
    rows = _tag_dev()
    assert rows
    for text, keywords in rows:
        for keyword in keywords:
            assert _whole_phrase_in(keyword, text), (keyword, text[:80])


def _tag_dev() -> list[tuple[str, list[str]]]:
    from services.enricher.taggers.pipeline import tag_article, tagging_text
    from services.ingest.parsers import parse_bytes

    out = []
    for path in sorted(DEV.iterdir()):
        if path.suffix in {".md", ".jsonl"}:
            continue
        for item in parse_bytes(path.read_bytes(), filename=path.name):
            if item.article is not None:
                tags = tag_article(item.article, index=None, article_id=path.name)
                out.append((tagging_text(item.article)[0], tags.keywords))
    return out


def test_a_headline_seen_before_is_ranked_once() -> None:
    """Versions and rewrites of a story share its headline: the ranking, most of what keywords
    cost, runs once for that sample, and the keywords stay those of the first time."""
    keywords_module._ranked.cache_clear()
    first = extract_keywords(ENGLISH, "en")
    again = extract_keywords(ENGLISH + " Updates with the mayor's statement.", "en")
    assert again == first
    ranked = keywords_module._ranked.cache_info()
    assert (ranked.misses, ranked.hits) == (1, 1)
