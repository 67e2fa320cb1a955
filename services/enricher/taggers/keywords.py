"""Keywords: YAKE over the headline; for Japanese and Chinese, recurring kanji/katakana runs."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import yake

from services.enricher.taggers.scripts import HAN

# YAKE costs ~1 ms per 100 characters (networkx and numpy per term): the headline, where a
# news story states its key terms, is about 70 characters.
SAMPLE_CHARS = 72
TOP = 8
YAKE_LANGS = {"en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "ru", "el", "pl"}
YAKE_LANGS |= {"tr", "uk", "ar", "id", "cs", "hu", "ro"}
_YAKE_CODE = {"nb": "no", "nn": "no", "cs": "cz"}
# Kanji and katakana carry content; hiragana mostly writes particles and endings.
_CONTENT_RUN = re.compile(f"[{HAN}\u30a0-\u30ffー々]+")


@lru_cache(maxsize=32)
def _extractor(lang: str) -> yake.KeywordExtractor:
    # A co-occurrence window of one word is enough on a headline and cheaper to build.
    return yake.KeywordExtractor(lan=lang, n=2, top=TOP, dedupLim=0.8, windowsSize=1)


def extract_keywords(text: str, language: str | None, top: int = TOP) -> list[str]:
    """Up to `top` key phrases, best first, as they are written in the text."""
    sample = text[:SAMPLE_CHARS]
    if language in {"ja", "zh"}:
        return _cjk_keywords(sample, top)
    lang = _YAKE_CODE.get(language or "en", language or "en")
    lang = lang if lang in YAKE_LANGS or lang == "cz" else "en"
    if language == "ko":
        lang = "en"  # YAKE has no Korean stop list; whitespace words still rank sensibly
    seen: set[str] = set()
    out: list[str] = []
    for phrase, _score in _extractor(lang).extract_keywords(sample):
        key = phrase.lower()
        if key not in seen:
            seen.add(key)
            out.append(phrase)
    return out[:top]


def _cjk_keywords(text: str, top: int) -> list[str]:
    """Han/kana runs of 2–8 characters ranked by how often they recur."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for match in _CONTENT_RUN.finditer(text):
        run = match.group()
        if 2 <= len(run) <= 8:
            counts[run] += 1
            first.setdefault(run, match.start())
    ranked = sorted(counts, key=lambda r: (-counts[r], first[r]))
    return ranked[:top]
