"""The keyword ranking without YAKE's per-call machinery gives YAKE's phrases and scores, bit
for bit: on the labelled articles in their languages and on made-up text full of the tokens
YAKE treats apart (stop words, capitals, digits, plurals, punctuation, repeats)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yake
from hypothesis import given, settings
from hypothesis import strategies as st

from services.enricher.taggers.keywords import _extractor, _prepare, _sample
from services.enricher.taggers.yake_scores import Ranker

EVAL = Path(__file__).resolve().parents[2] / "data" / "eval"
LANGS = ["en", "de", "fr", "es", "it", "pt", "nl", "ru", "el", "pl", "tr", "cz", "no"]
WORDS = [
    "the", "of", "and", "is", "Bank", "bank", "banks", "Banks", "ECB", "U.S.", "NATO", "rate",
    "rates", "cut", "Lagarde", "said", "3.75%", "2024", "25", "A320neo", "co-op", "it's",
    "Japan’s", "Kishida", "news", "bus", "gas", "die", "der", "Präsident", "Москва", "élection",
    "—", ",", ".", ":", "(", ")", "“", "”", "?", "\n",
]  # fmt: skip
EDGES = [
    "",
    " ",
    "...",
    "A",
    "the of and",
    "ECB ECB ECB. ECB!",
    "US-China 2024: 5% of $3bn",
    "IT'S A BIG DAY. U.S. Says So",
    "Bank banks BANKS bank's",
    "rate rate rate rate rate rate rate rate rate rate",
]


def _labelled_texts() -> list[tuple[str, str]]:
    from services.ingest.parsers import parse_bytes

    out = []
    for path in sorted(p for folder in ("dev", "holdout") for p in (EVAL / folder).iterdir()):
        if path.suffix in {".md", ".jsonl"}:
            continue
        for item in parse_bytes(path.read_bytes(), filename=path.name):
            if item.article is None:
                continue
            a = item.article
            lead = f"{a.headline}. {a.body_text}"
            sample = _sample(lead)
            lang = (a.language or "en")[:2]
            for text in (_prepare(sample, lead[len(sample) :]), a.headline, a.body_text[:300]):
                out += [(text, lang), (text, "en")]
    return out


def _same_as_yake(text: str, lang: str) -> None:
    extractor = _extractor(lang)
    assert Ranker(extractor)(text) == extractor.extract_keywords(text), (lang, text[:80])


def test_labelled_articles_rank_as_yake_ranks_them() -> None:
    texts = _labelled_texts()
    assert len(texts) > 300
    for text, lang in texts:
        _same_as_yake(text, lang)


@pytest.mark.parametrize("text", EDGES)
def test_edge_texts_rank_as_yake_ranks_them(text: str) -> None:
    _same_as_yake(text, "en")


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), max_size=40), lang=st.sampled_from(LANGS))
def test_made_up_texts_rank_as_yake_ranks_them(words: list[str], lang: str) -> None:
    _same_as_yake(" ".join(words), lang)


def test_settings_it_does_not_reproduce_are_refused() -> None:
    with pytest.raises(ValueError, match="does not reproduce"):
        Ranker(yake.KeywordExtractor(lan="en", n=3))
