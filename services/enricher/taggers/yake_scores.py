"""YAKE's keyword ranking for the settings keywords.py uses, without YAKE's per-call machinery.

yake 0.7 builds a networkx graph, a numpy median and an object per word and candidate for
every text it ranks: ~0.5 ms a headline, about a fifth of what tagging an article costs. For
phrases of at most two words and a co-occurrence window of one word, its scores are a few
arithmetic steps per word. `rank` takes those steps in YAKE's order, in the same floating-point
operations, on YAKE's own sentences, tokens, tags, stop list and similarity function, so the
phrases and their scores are YAKE's, bit for bit (a test compares the two on many texts).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from services.enricher.taggers.yake_import import yake

if TYPE_CHECKING:
    from yake import KeywordExtractor

_EXCLUDE = frozenset(string.punctuation)  # DataCore's default
_UNPUNCTUATED = str.maketrans("", "", string.punctuation)
_DISCARD = frozenset({"u", "d"})  # DataCore's tags_to_discard: unusual and digit tokens
_CLEAR_EVERY = 50  # texts between clearing YAKE's similarity caches, as YAKE does
_UTILS = yake.data.utils  # YAKE's own sentence splitting, tokens and tags


@dataclass(eq=False, slots=True)
class _Term:
    """SingleWord: one normalised word of the text and what its score reads."""

    stopword: bool
    tf: float = 0.0
    tf_a: float = 0.0  # occurrences in capitals ("a" tag)
    tf_n: float = 0.0  # occurrences as a proper noun ("n" tag)
    sentences: dict[int, None] = field(default_factory=dict)  # sentence ids, in order
    right: dict[int, float] = field(default_factory=dict)  # term id -> times it follows
    left: dict[int, float] = field(default_factory=dict)  # term id -> times it precedes
    h: float = 0.0


@dataclass(eq=False, slots=True)
class _Phrase:
    """ComposedWord: a candidate of one or two words, as first written, and its score."""

    kw: str
    terms: tuple[_Term, ...]
    tf: float = 0.0
    tagged_clean: bool = False  # some occurrence has neither an unusual nor a digit token
    h: float = 1.0

    def valid(self) -> bool:
        return self.tagged_clean and not (self.terms[0].stopword or self.terms[-1].stopword)


class _Document:
    """DataCore for n=2 and windows_size=1: terms, candidates and co-occurrence counts."""

    def __init__(self, text: str, stopwords: set[str]) -> None:
        self.stopwords = stopwords
        self.terms: dict[str, tuple[int, _Term]] = {}
        self.phrases: dict[str, _Phrase] = {}
        self.sentences = _UTILS.tokenize_sentences(_UTILS.pre_filter(text))
        for sentence_id, sentence in enumerate(self.sentences):
            self._sentence(sentence_id, sentence)

    def _sentence(self, sentence_id: int, sentence: list[str]) -> None:
        block: list[tuple[str, str, int, _Term]] = []  # words since the last punctuation
        for pos, word in enumerate(sentence):
            if all(c in _EXCLUDE for c in word):
                block = []
                continue
            tag = _UTILS.get_tag(word, pos, _EXCLUDE)
            term_id, term = self._term(word)
            term.sentences[sentence_id] = None
            term.tf += 1.0
            if tag == "a":
                term.tf_a += 1.0
            elif tag == "n":
                term.tf_n += 1.0
            if tag not in _DISCARD and block and block[-1][0] not in _DISCARD:
                prev_id, prev = block[-1][2], block[-1][3]
                prev.right[term_id] = prev.right.get(term_id, 0.0) + 1.0
                term.left[prev_id] = term.left.get(prev_id, 0.0) + 1.0
            self._phrase(tag, word, term)
            if block:
                prev_tag, prev_word, _, prev = block[-1]
                self._phrase(prev_tag + tag, f"{prev_word} {word}", prev, term)
            block.append((tag, word, term_id, term))

    def _term(self, word: str) -> tuple[int, _Term]:
        unique = word.lower()
        listed = unique in self.stopwords
        if unique.endswith("s") and len(unique) > 3:
            unique = unique[:-1]
        if unique in self.terms:
            return self.terms[unique]
        bare = unique.translate(_UNPUNCTUATED)
        term = _Term(listed or unique in self.stopwords or len(bare) < 3)
        self.terms[unique] = (len(self.terms), term)
        return self.terms[unique]

    def _phrase(self, tags: str, kw: str, *terms: _Term) -> None:
        phrase = self.phrases.get(kw.lower())
        if phrase is None:
            phrase = self.phrases[kw.lower()] = _Phrase(kw, terms)
        phrase.tagged_clean = phrase.tagged_clean or ("u" not in tags and "d" not in tags)
        phrase.tf += 1.0

    def score_terms(self) -> None:
        """SingleWord.update_h for every term, with DataCore's document statistics."""
        terms = [term for _, term in self.terms.values()]
        valid_tfs = np.array([t.tf for t in terms if not t.stopword])
        if not valid_tfs.size:
            return
        avg_tf, std_tf = valid_tfs.mean(), valid_tfs.std()
        max_tf = max(t.tf for t in terms)
        for t in terms:
            wdr, wir = len(t.right), sum(t.right.values())
            wdl, wil = len(t.left), sum(t.left.values())
            pwr = 0 if wir == 0 else wdr / wir
            pwl = 0 if wil == 0 else wdl / wil
            wrel = (0.5 + (pwl * (t.tf / max_tf))) + (0.5 + (pwr * (t.tf / max_tf)))
            wfreq = t.tf / (avg_tf + std_tf)
            wspread = len(t.sentences) / len(self.sentences)
            wcase = max(t.tf_a, t.tf_n) / (1.0 + math.log(t.tf))
            wpos = math.log(math.log(3.0 + _median(list(t.sentences))))
            t.h = (wpos * wrel) / (wcase + (wfreq / wrel) + (wspread / wrel))

    def score_phrases(self) -> list[_Phrase]:
        """ComposedWord.update_h for the valid candidates, which hold no stop word."""
        valid = [p for p in self.phrases.values() if p.valid()]
        for p in valid:
            sum_h, prod_h = 0.0, 1.0
            for t in p.terms:
                sum_h += t.h
                prod_h *= t.h
            p.h = prod_h / ((sum_h + 1) * p.tf)
        return valid


def _median(values: list[int]) -> float:
    """numpy's median of a few small integers, exactly: the middle one, or the mean of two."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


class Ranker:
    """KeywordExtractor.extract_keywords of one extractor, for n=2 and windows_size=1."""

    def __init__(self, extractor: KeywordExtractor) -> None:
        config = extractor.config
        unlike = config["n"] != 2 or config["window_size"] != 1 or config["features"] is not None
        if unlike or extractor.lemmatize:
            raise ValueError(f"YAKE settings this ranking does not reproduce: {config}")
        self.extractor = extractor
        self.ranked = 0

    def __call__(self, text: str) -> list[tuple[str, float]]:
        if not text:
            return []
        try:
            doc = _Document(text.replace("\n", " "), self.extractor.stopword_set)
            doc.score_terms()
            found = sorted(doc.score_phrases(), key=lambda p: p.h)
            out = self._distinct(found)
        except Exception:  # as YAKE does: a text it cannot read has no keywords
            return []
        self.ranked += 1
        if self.ranked % _CLEAR_EVERY == 0:
            self.extractor.clear_caches()  # the similarity caches would otherwise fill up
        return out

    def _distinct(self, found: list[_Phrase]) -> list[tuple[str, float]]:
        """The best phrases, each unlike every better one (YAKE's similarity and limit)."""
        limit, top = self.extractor.config["dedup_lim"], self.extractor.config["top"]
        similarity = self.extractor.dedup_function
        if limit >= 1.0:
            return [(p.kw.lower(), p.h) for p in found][:top]
        kept: list[_Phrase] = []
        for p in found:
            if all(similarity(p.kw.lower(), k.kw.lower()) <= limit for k in kept):
                kept.append(p)
            if len(kept) == top:
                break
        return [(p.kw, p.h) for p in kept]
