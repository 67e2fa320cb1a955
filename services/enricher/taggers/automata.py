"""Aho-Corasick for word lists of many scripts, as fast on English text as on any other.

pyahocorasick looks a character up among a node's children one by one, and the root of a
multilingual list has thousands (every Han character that starts a name). Text that is mostly
ASCII spends most of its time there, at the root, scanning for a space or a lower-case letter
no key starts with. So keys live in automata by the script of their first character: ASCII
(a root of a few dozen children, read over the whole text), the rest of the Latin alphabets
and punctuation ('Évora', '’Aïn Deheb'), the other alphabets, Han and kana, and Hangul. All
but the first read only the stretches of text where a key of their own can start: a few words
around a curly apostrophe in English text, none at all for the other scripts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import ahocorasick

Hit = tuple[int, Any]  # (index of the last character, value), as pyahocorasick reports them


def _part(key: str) -> int:
    """The automaton of a key by its first character: its root's children are few or rare."""
    code = ord(key[0])
    if code < 0x80:
        return 0  # ASCII
    if code < 0x250 or 0x2000 <= code < 0x2070:
        return 1  # the other Latin letters, general punctuation
    if 0xAC00 <= code < 0xD7B0 or 0x1100 <= code < 0x1200 or 0x3130 <= code < 0x3190:
        return 4  # Hangul
    if 0x3000 <= code < 0xA000 or 0xF900 <= code < 0xFB00 or 0xFF00 <= code < 0xFFF0:
        return 3  # Han, kana, CJK punctuation, full-width forms
    return 2  # Cyrillic, Greek, Arabic and the other alphabets


class _Part:
    """One automaton and, once built, the gaps in a text where none of its keys can be."""

    def __init__(self, store: int) -> None:
        self.automaton = ahocorasick.Automaton(store)
        self.gaps: re.Pattern[str] | None = None
        self.longest = 0

    def build(self) -> None:
        self.automaton.make_automaton()
        keys = list(self.automaton.keys())
        self.longest = max(map(len, keys), default=0)
        if keys:
            chars = "".join(sorted({re.escape(key[0]) for key in keys}))
            self.gaps = re.compile(f"[^{chars}]{{{self.longest},}}")

    def every_hit(self, text: str) -> list[Hit]:
        return list(self.automaton.iter(text)) if self.longest else []

    def hits(self, text: str) -> list[Hit]:
        """Matches in the stretches of `text` between gaps longer than the longest key:
        whatever starts before a gap ends within `longest` characters of it."""
        if self.gaps is None:
            return []
        out: list[Hit] = []
        start = 0
        for gap in self.gaps.finditer(text):
            if gap.start() > start:
                end = min(gap.start() + self.longest, len(text))
                out += self.automaton.iter(text, start, end)
            start = gap.end()
        if start < len(text):
            out += self.automaton.iter(text, start, len(text))
        return out


class SplitAutomaton:
    """One pyahocorasick automaton's keys and matches, kept in five by their first character.

    `length` gives a value's key length: matches come out as one automaton reports them, by
    end, then longest first.
    """

    def __init__(self, store: int, length: Callable[[Any], int]) -> None:
        self._parts = [_Part(store) for _ in range(5)]
        self._length = length

    def exists(self, key: str) -> bool:
        return bool(self._parts[_part(key)].automaton.exists(key))

    def get(self, key: str) -> Any:
        return self._parts[_part(key)].automaton.get(key)

    def add_word(self, key: str, value: Any) -> None:
        self._parts[_part(key)].automaton.add_word(key, value)

    def make_automaton(self) -> None:
        for part in self._parts:
            part.build()

    def keys(self) -> list[str]:
        return [key for part in self._parts for key in part.automaton]

    def iter(self, text: str) -> list[Hit]:
        """Every match, overlaps included, in the order one automaton yields them."""
        ascii_part, *others = self._parts
        hits = ascii_part.every_hit(text)
        other = [hit for part in others for hit in part.hits(text)]
        if not other:
            return hits
        return sorted(hits + other, key=lambda hit: (hit[0], -self._length(hit[1])))
