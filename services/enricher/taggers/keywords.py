"""Keywords: YAKE over the headline; for Japanese and Chinese, recurring kanji/katakana runs.

A keyword is always a whole word or phrase of the text, as written there: YAKE's candidates are
checked back against the sample, so a word cut at the sample's edge, a name glued to the verb
after it ("Yoon Confirm") or one word of a longer name ("South" of "South Korea") never shows.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

from services.enricher.taggers.scripts import HAN
from services.enricher.taggers.yake_import import yake
from services.enricher.taggers.yake_scores import Ranker

if TYPE_CHECKING:
    from yake import KeywordExtractor

# YAKE costs ~1 ms per 100 characters (networkx and numpy per term; yake_scores.py ranks as it
# does at a third of that): the headline, where a news story states its key terms, is about
# 70 characters.
SAMPLE_CHARS = 72
# A name in the headline comes back within the first paragraphs: reading them is enough.
NAMES_CHARS = 800
TOP = 8
YAKE_LANGS = {"en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "ru", "el", "pl"}
YAKE_LANGS |= {"tr", "uk", "ar", "id", "cs", "hu", "ro"}
_YAKE_CODE = {"nb": "no", "nn": "no", "cs": "cz"}
# Kanji and katakana carry content; hiragana mostly writes particles and endings.
_CONTENT_RUN = re.compile(f"[{HAN}\u30a0-\u30ffー々]+")
_POSSESSIVE = re.compile(r"(?<=\w)[’']s(?!\w)")
_WORD = re.compile(r"[^\W\d_][\w’'\-]*")
# Words for matching phrases back: apostrophes inside ("l’Inter") but not a possessive's.
_TOKEN = re.compile(r"[\w\-]+(?:[’'](?!s(?!\w))[\w\-]+)*")
_SENTENCE_END = frozenset('.!?:"“”«»—–')


@lru_cache(maxsize=32)
def _extractor(lang: str) -> KeywordExtractor:
    # A co-occurrence window of one word is enough on a headline and cheaper to build.
    return yake.KeywordExtractor(lan=lang, n=2, top=TOP + 4, dedupLim=0.8, windowsSize=1)


@lru_cache(maxsize=32)
def _ranker(lang: str) -> Ranker:
    return Ranker(_extractor(lang))


@lru_cache(maxsize=1024)
def _ranked(lang: str, prepared: str) -> tuple[str, ...]:
    """YAKE's phrases for a sample, best first. Remembered: the versions and rewrites of a
    story often share its headline, and ranking is most of what keywords cost."""
    return tuple(phrase for phrase, _score in _ranker(lang)(prepared))


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
    written_words, prepared_words = _Words(sample), _Words(prepared)
    lowered = ""
    written: list[str] = []
    for phrase in _ranked(lang, prepared):
        if not _one_kind(phrase):
            continue
        if " " not in phrase and phrase.islower():
            lowered = lowered or text.lower()
            if not _repeated(phrase, lowered):
                continue  # a common word the story does not repeat is no key term of it
        found = written_words.find(prepared_words.whole_name(phrase))
        if found and found.lower() not in {w.lower() for w in written}:
            written.append(found)
    words_in_phrases = {w.lower() for k in written if " " in k for w in k.split()}
    return [k for k in written if " " in k or k.lower() not in words_in_phrases][:top]


def _repeated(word: str, lowered: str) -> bool:
    """`word` stands as a whole word at least twice in the lower-cased text."""
    seen, at = 0, lowered.find(word)
    while at >= 0 and seen < 2:
        end = at + len(word)
        if not (at and lowered[at - 1].isalnum()) and not lowered[end : end + 1].isalnum():
            seen += 1
        at = lowered.find(word, end)
    return seen >= 2


class _Words:
    """The words of a short text with their spans, for matching YAKE's phrases back to it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        self.lower = [text[s:e].lower() for s, e in self.spans]

    def _at(self, words: list[str]) -> int | None:
        """Index of the first token of `words` written in a row (spaces only between)."""
        n = len(words)
        for i in range(len(self.spans) - n + 1):
            if self.lower[i : i + n] == words and all(
                self.text[self.spans[j][1] : self.spans[j + 1][0]].isspace()
                for j in range(i, i + n - 1)
            ):
                return i
        return None

    def find(self, phrase: str) -> str | None:
        """The phrase as this text writes it, when it is whole words here."""
        words = phrase.lower().split()
        i = self._at(words)
        if i is None:
            return None
        return self.text[self.spans[i][0] : self.spans[i + len(words) - 1][1]]

    def whole_name(self, phrase: str) -> str:
        """A name grows to the whole capitalised run it stands in: 'Central Bank' is
        'European Central Bank', 'South' is 'South Korea'."""
        words = phrase.lower().split()
        i = self._at(words) if phrase[:1].isupper() else None
        if i is None:
            return phrase
        first, last = i, i + len(words) - 1
        while first > 0 and self._capital_neighbour(first - 1, first):
            first -= 1
        while last + 1 < len(self.spans) and self._capital_neighbour(last + 1, last):
            last += 1
        return self.text[self.spans[first][0] : self.spans[last][1]]

    def _capital_neighbour(self, j: int, k: int) -> bool:
        a, b = sorted((j, k))
        gap = self.text[self.spans[a][1] : self.spans[b][0]]
        return gap == " " and self.text[self.spans[j][0]].isupper()


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
    names = _names(rest[:NAMES_CHARS])
    return _WORD.sub(lambda m: _kept_cap(m.group(), names), text)


def _names(text: str) -> set[str]:
    """Words written capitalised where no sentence starts, or before another capitalised word
    ("Shohei Ohtani" opening a sentence): names, not Title Case."""
    out = set()
    previous = ""  # the last capitalised word, when only a space separates it from this one
    for match in _WORD.finditer(text):
        word = _POSSESSIVE.sub("", match.group())
        if not word[0].isupper():
            previous = ""
            continue
        j = match.start() - 1
        while j >= 0 and text[j].isspace():
            j -= 1
        if j >= 0 and text[j] not in _SENTENCE_END:
            out.add(word)
        if previous and text[match.start() - 1] == " " and j == match.start() - 2:
            out.update((previous, word))
        previous = word if match.group() == word else ""
    return out


def _kept_cap(word: str, names: set[str]) -> str:
    """The word as YAKE should see it: lowered unless it is a name or an acronym."""
    if word in names or (len(word) > 1 and word.isupper()):
        return word
    return word.lower()


def _one_kind(phrase: str) -> bool:
    """A name ("South Korea") or a common phrase ("drone attack"), not a name glued to a word
    of the sentence around it ("Yoon confirm", "Russia launches")."""
    caps = {word[:1].isupper() for word in phrase.split()}
    return len(caps) == 1


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
