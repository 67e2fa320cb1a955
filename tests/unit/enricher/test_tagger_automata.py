"""Keys kept in automata by script match exactly what one automaton of them all matches, in
the same order: the gazetteer and topic lexicons read the hits in that order."""

from __future__ import annotations

import ahocorasick
from hypothesis import given, settings
from hypothesis import strategies as st

from services.enricher.taggers.automata import SplitAutomaton

# Letters of every part, a space and punctuation: keys of one part next to keys of another.
ALPHABET = "ab É’ёЖ東京市서울 ,."
KEYS = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=6), min_size=1, max_size=30)


def _both(keys: list[str]) -> tuple[ahocorasick.Automaton, SplitAutomaton]:
    single = ahocorasick.Automaton()
    split = SplitAutomaton(ahocorasick.STORE_ANY, length=lambda value: int(value[0]))
    for n, key in enumerate(keys):
        single.add_word(key, (len(key), n))
        split.add_word(key, (len(key), n))
    single.make_automaton()
    split.make_automaton()
    return single, split


@settings(max_examples=300, deadline=None)
@given(keys=KEYS, pieces=st.lists(st.text(alphabet=ALPHABET, max_size=40), max_size=8))
def test_split_automaton_matches_what_one_automaton_matches(
    keys: list[str], pieces: list[str]
) -> None:
    single, split = _both(keys)
    text = "".join(p + keys[n % len(keys)] for n, p in enumerate(pieces))
    assert split.iter(text) == list(single.iter(text))


def test_a_key_right_before_a_long_gap_is_found() -> None:
    """A stretch of the second automaton runs the longest key's length past its start."""
    single, split = _both(["’Aïn Deheb", "Évora", "서울", "東京", "Ж"])
    text = "x" * 50 + "’Aïn Deheb" + "y" * 80 + "Évora" + " " * 30 + "서울" + "z" * 40 + "東京"
    assert split.iter(text) == list(single.iter(text))
    assert len(split.iter(text)) == 4


def test_lookups_reach_the_part_holding_the_key() -> None:
    _single, split = _both(["Évora", "Lisbon", "東京"])
    assert split.exists("Évora")
    assert split.exists("東京")
    assert not split.exists("Porto")
    assert split.get("東京") == (2, 2)
    assert sorted(split.keys()) == sorted(["Évora", "Lisbon", "東京"])
