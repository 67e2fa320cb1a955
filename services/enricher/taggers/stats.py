"""Length figures readers see: word count (CJK characters count as words), reading time, lead."""

from __future__ import annotations

import math
import re

from services.enricher.taggers.scripts import CJK_CHAR, WORD

WORDS_PER_MINUTE = 230  # adult silent reading of news prose in alphabetic languages
CJK_CHARS_PER_MINUTE = 500  # Japanese and Chinese readers read characters, not words
SUMMARY_CHARS = 280
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"”’」』)]*\s*")


def counts(text: str) -> tuple[int, int]:
    """(CJK characters, other words): each CJK character is read as a word."""
    cjk = len(CJK_CHAR.findall(text))
    rest = CJK_CHAR.sub(" ", text) if cjk else text
    return cjk, len(WORD.findall(rest))


def word_count(text: str) -> int:
    cjk, words = counts(text)
    return cjk + words


def reading_time_s(text: str, measured: tuple[int, int] | None = None) -> int:
    cjk, words = measured or counts(text)
    minutes = words / WORDS_PER_MINUTE + cjk / CJK_CHARS_PER_MINUTE
    return math.ceil(minutes * 60) if minutes else 0


def lead_summary(body: str, dateline_end: int = 0, limit: int = SUMMARY_CHARS) -> str:
    """The first sentences of the body after the dateline: news leads carry the story."""
    text = " ".join(body[dateline_end:].split())
    if len(text) <= limit:
        return text
    out = ""
    for match in _SENTENCE_END.finditer(text):
        if match.end() > limit:
            break
        out = text[: match.end()].strip()
    if out:
        return out
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"
