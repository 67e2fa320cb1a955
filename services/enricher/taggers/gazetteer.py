"""Gazetteers of places, organisations and people, matched in one Aho-Corasick pass."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import ahocorasick

from services.enricher.taggers.automata import SplitAutomaton

EntityType = str  # "person" | "org" | "place"


@dataclass(frozen=True, slots=True)
class Entry:
    """One meaning of a surface string: its type and its group's English name.

    `canonical` is None when the name is the surface itself, which is true of most places: one
    shared Entry then serves tens of thousands of surfaces and keeps the process small.
    """

    type: EntityType
    canonical: str | None
    acronym: bool


AS_WRITTEN_PLACE = Entry("place", None, False)


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    surface: str
    entries: tuple[Entry, ...]


def _data(name: str) -> str:
    return (resources.files("services.enricher") / "data" / name).read_text("utf-8")


def rows(name: str) -> list[list[str]]:
    """A shipped list's lines as their '|' or tab separated surfaces, comments left out."""
    out = []
    for line in _data(name).splitlines():
        if line.strip() and not line.startswith("#"):
            out.append([part.strip() for part in line.replace("\t", "|").split("|")])
    return out


def is_acronym(surface: str) -> bool:
    letters = [ch for ch in surface if ch.isalpha()]
    return len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= len(letters) - 1


@lru_cache(maxsize=1)
def automaton() -> SplitAutomaton:
    """Built once per process from the shipped lists; curated lists override package data.

    Lines stream straight into the trie, which stores ints (a slot of `_meanings()` and the
    surface length): holding 117k surfaces as Python objects would cost ~50 MB of the
    enricher's 200 MB budget.
    """
    auto = SplitAutomaton(ahocorasick.STORE_INTS, length=lambda value: value % _LENGTHS)
    meanings = _meanings()
    slots: dict[tuple[Entry, ...], int] = {}

    def add(surface: str, entry: Entry, override: bool = False) -> None:
        old: tuple[Entry, ...] = ()
        if auto.exists(surface):
            old = meanings[auto.get(surface) // _LENGTHS]
        if override:
            old = tuple(e for e in old if e.type != entry.type)
        if entry in old:
            return
        entries = (*old, entry)
        slot = slots.setdefault(entries, len(slots))
        if slot == len(meanings):
            meanings.append(entries)
        auto.add_word(surface, slot * _LENGTHS + min(len(surface), _LENGTHS - 1))

    for line in _data("places_en.tsv").splitlines():
        surface, _, canonical = line.partition("\t")
        add(surface, AS_WRITTEN_PLACE if surface == canonical else Entry("place", canonical, False))
    for line in _data("places_intl.txt").splitlines():
        if line:
            add(line, AS_WRITTEN_PLACE)
    for kind, name in (
        ("place", "places_curated.tsv"),
        ("org", "companies.tsv"),
        ("org", "orgs.tsv"),
        ("person", "people.tsv"),
    ):
        for row in rows(name):
            for alias in row:
                add(alias, Entry(kind, row[0], is_acronym(alias)), override=kind == "place")
    auto.make_automaton()
    return auto


_LENGTHS = 1 << 10  # surface lengths are packed below the slot number


@lru_cache(maxsize=1)
def _meanings() -> list[tuple[Entry, ...]]:
    return []


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """The curated list and the one built from Faker's locales (build_given_names.py)."""
    words = set()
    for name in ("given_names.txt", "given_names_intl.txt"):
        for line in _data(name).splitlines():
            if not line.startswith("#"):
                words.update(line.split())
    return frozenset(words)


def find(text: str) -> list[Hit]:
    """Every gazetteer surface in `text` (overlaps included; callers choose among them)."""
    hits = []
    meanings = _meanings()
    for end, value in automaton().iter(text):
        slot, length = divmod(value, _LENGTHS)
        start = end - length + 1
        hits.append(Hit(start, end + 1, text[start : end + 1], meanings[slot]))
    return hits
