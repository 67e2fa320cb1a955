"""Keywords: YAKE over the headline; for Japanese and Chinese, recurring kanji/katakana runs.

A keyword is always a whole word or phrase of the text, as written there: YAKE's candidates are
checked back against the sample, so a word cut at the sample's edge, a name glued to the verb
after it ("Yoon Confirm") or one word of a longer name ("South" of "South Korea") never shows.
"""

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
_POSSESSIVE = re.compile(r"(?<=\w)[’']s(?!\w)")
_WORD = re.compile(r"[^\W\d_][\w’'\-]*")
_SENTENCE_END = frozenset('.!?:"“”«»—–')


@lru_cache(maxsize=32)
def _extractor(lang: str) -> yake.KeywordExtractor:
    # A co-occurrence window of one word is enough on a headline and cheaper to build.
    return yake.KeywordExtractor(lan=lang, n=2, top=2 * TOP, dedupLim=0.8, windowsSize=1)


def extract_keywords(text: str, language: str | None, top: int = TOP) -> list[str]:
    """Up to `top` key phrases, best first, as they are written in the text."""
    if language in {"ja", "zh"}:
        return _cjk_keywords(text[:SAMPLE_CHARS], top)
    sample = _sample(text)
    lang = _YAKE_CODE.get(language or "en", language or "en")
    lang = lang if lang in YAKE_LANGS or lang == "cz" else "en"
    if language == "ko":
        lang = "en"  # YAKE has no Korean stop list; whitespace words still rank sensibly
    prepared = _prepare(sample, text[len(sample) :])
    written: list[str] = []
    for phrase, _score in _extractor(lang).extract_keywords(prepared):
        if not _one_kind(phrase) or _unrepeated_word(phrase, text):
            continue
        found = _as_written(_whole_name(phrase, prepared), sample)
        if found and found.lower() not in {w.lower() for w in written}:
            written.append(found)
    words_in_phrases = {w.lower() for k in written if " " in k for w in k.split()}
    return [k for k in written if " " in k or k.lower() not in words_in_phrases][:top]


def _sample(text: str) -> str:
    """The first SAMPLE_CHARS characters, shortened to end between words."""
    if len(text) <= SAMPLE_CHARS or not text[SAMPLE_CHARS].isalnum():
        return text[:SAMPLE_CHARS]
    cut = text.rfind(" ", 0, SAMPLE_CHARS)
    return text[:cut] if cut > 0 else text[:SAMPLE_CHARS]


def _prepare(sample: str, rest: str) -> str:
    """What YAKE reads: a possessive ends a phrase ("Japan’s Kishida" is two), and in a Title
    Case headline a word the story never capitalises mid-sentence is lowered, since YAKE takes
    every capitalised word for a name."""
    text = _POSSESSIVE.sub(" ,", sample)
    words = _WORD.findall(sample)
    if len(words) < 4 or sum(w[0].isupper() for w in words) < 0.7 * len(words):
        return text
    names = _names(rest)
    return _WORD.sub(lambda m: _kept_cap(m.group(), names), text)


def _names(text: str) -> set[str]:
    """Words written capitalised where no sentence starts: names, not Title Case."""
    out = set()
    for match in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", match.group())
        if not word[0].isupper():
            continue
        j = match.start() - 1
        while j >= 0 and text[j].isspace():
            j -= 1
        if j >= 0 and text[j] not in _SENTENCE_END:
            out.add(word)
    return out


def _kept_cap(word: str, names: set[str]) -> str:
    """The word as YAKE should see it: lowered unless it is a name or an acronym."""
    if word in names or (len(word) > 1 and word.isupper()):
        return word
    return word.lower()


def _as_written(phrase: str, sample: str) -> str | None:
    """The phrase as the sample writes it, when it is whole words there."""
    pattern = r"\s+".join(re.escape(word) for word in phrase.split())
    match = re.search(rf"(?<![\w’'\-]){pattern}(?![\w\-]|[’']\w{{2}})", sample, re.IGNORECASE)
    return match.group() if match else None


def _one_kind(phrase: str) -> bool:
    """A name ("South Korea") or a common phrase ("drone attack"), not a name glued to a word
    of the sentence around it ("Yoon confirm", "Russia launches")."""
    caps = {word[:1].isupper() for word in phrase.split()}
    return len(caps) == 1


def _whole_name(phrase: str, prepared: str) -> str:
    """A name keyword grows to the whole capitalised run it stands in: 'Central Bank' is
    'European Central Bank', 'South' is 'South Korea'."""
    if not phrase[:1].isupper():
        return phrase
    match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", prepared)
    if match is None:
        return phrase
    left = re.search(r"(?:[A-ZÀ-Þ][\w\-]* )+$", prepared[: match.start()])
    right = re.match(r"(?: [A-ZÀ-Þ][\w\-]*)+", prepared[match.end() :])
    start = left.start() if left else match.start()
    end = match.end() + (right.end() if right else 0)
    return prepared[start:end]


def _unrepeated_word(word: str, text: str) -> bool:
    """A common word the story does not repeat is no key term of it."""
    if " " in word or not word.islower():
        return False
    return len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE)) < 2


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
