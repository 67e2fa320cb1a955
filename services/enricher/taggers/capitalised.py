"""Tokens and capitalised runs of Latin-script text: the raw material of the naming rules."""

from __future__ import annotations

import re
from functools import lru_cache, partial
from itertools import accumulate
from typing import NamedTuple

from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers.yake_import import stopword_lists

_ABBREVIATIONS = (
    # (?=[A-Z]) lets lower-case positions skip the abbreviation alternatives at once.
    r"(?=[A-Z])(?:(?:[A-Z]\.){2,}"  # U.S.
    r"|(?:Co|Corp|Inc|Ltd|Jr|Sr|St|Gen|Lt|Col|Dr|Mr|Mrs|Ms|Rep|Sen|Gov|Pa|Fla|Mt|Prof|Sgt|Adm|Maj"
    r"|Capt|Calif|Mass|Md|Va|Ga|Tex|Ill|Mich|Wash|Ore|Ariz|Colo|Conn|Del|Ky|La|Minn|Mo|Nev"
    r"|Okla|Tenn|Wis|Ala|Ark|M|Mme)\.(?!\w))"  # abbreviations keep their point
    r"|[’']s(?!\w)"  # a possessive ending stands apart: "Japan’s" names Japan
)
_WORDS = r"|\w+(?:(?:[’'](?!s(?!\w))|[\-&/])\w+)*|\n|[^\w\s]"
_TOKEN = re.compile(_ABBREVIATIONS + _WORDS)
# An elided article or preposition stands apart too ("l’Inter", "d’Emmanuel Macron"); the
# longer pattern is used only for text that has one, since it is tried at every word.
_ELIDED = re.compile(r"[’'][A-ZÀ-ÞĀ-Ž]")
_TOKEN_ELIDED = re.compile(
    _ABBREVIATIONS + r"|(?:[dlsnjc]|dell|nell|all|dall|sull|qu|un|L)[’'](?=[A-ZÀ-ÞĀ-Ž])" + _WORDS
)
_SENTENCE_BREAKS = frozenset({".", "!", "?", "“", '"', "«", ":", "\n"})
_DETERMINERS = cues.LISTS["determiners"]
# English text keeps "Los Angeles", "Las Vegas", "El Paso", "La Paz" whole.
_EN_DETERMINERS = frozenset(["The", "A", "An", "the", "a", "an"])


class Tok(NamedTuple):
    """A tuple, not a dataclass: a thousand are made per article and tuples build fastest."""

    text: str
    start: int
    end: int
    sentence_start: bool


@lru_cache(maxsize=16)
def stopwords(lang: str) -> frozenset[str]:
    base = stopword_lists()
    words: set[str] = set()
    for code in {"en", {"nb": "no", "nn": "no"}.get(lang, lang)}:
        path = base / f"stopwords_{code}.txt"
        if path.is_file():
            words |= {w.strip().lower() for w in path.read_text("utf-8").splitlines() if w.strip()}
    return frozenset(words)


# The token patterns as one group: re.split then returns the gaps and the tokens in turn, and
# every offset follows from their lengths, with no match object or Python step per token.
_SPLIT = re.compile(f"({_TOKEN.pattern})")
_SPLIT_ELIDED = re.compile(f"({_TOKEN_ELIDED.pattern})")
_NEW_TOK = partial(tuple.__new__, Tok)  # skips NamedTuple's Python-level __new__


def tokens(text: str) -> list[Tok]:
    """Words, abbreviations, possessive endings, punctuation and line breaks, with positions."""
    parts = (_SPLIT_ELIDED if _ELIDED.search(text) else _SPLIT).split(text)
    words = parts[1::2]
    offsets = list(accumulate(map(len, parts), initial=0))
    opens = [True, *map(_SENTENCE_BREAKS.__contains__, words[:-1])]
    return list(map(_NEW_TOK, zip(words, offsets[1::2], offsets[2::2], opens, strict=False)))


def is_cap(word: str) -> bool:
    if not word:
        return False
    return word[0].isupper() or (word[:3] in {"al-", "el-"} and word[3:4].isupper())


_NAME_PARTICLES = cues.LISTS["name_particles"]
_HEADED_JOINERS = frozenset(["of", "for", "on", "the"])
_LIST_WORDS = frozenset(["and", "y", "e", "et", "und"])
_JOIN_HEADS = cues.ORG_HEADS | cues.PLACE_HEADS_KEPT | {"Republic", "Kingdom", "States", "Chief"}


def _joins(current: list[Tok], tokens: list[Tok], i: int, lang: str) -> bool:
    """May the connector at `i` join the run? 'Bank of England' yes, 'Balelo of CAA' no."""
    word = tokens[i].text
    j = i + 1
    while j < len(tokens) and tokens[j].text in cues.CONNECTORS and j - i < 2:
        j += 1
    if j >= len(tokens) or not is_cap(tokens[j].text) or tokens[j].text in cues.NOT_ENTITIES:
        return False
    if lang == "de" and word in {"der", "den", "des", "die", "das", "und"}:
        return False
    if word in _LIST_WORDS:
        return any(t.text in _HEADED_JOINERS for t in current)  # "Committee on X and Y"
    if word in _HEADED_JOINERS or word in {"de", "di", "da", "do", "del", "des", "du"}:
        if any(t.text in _JOIN_HEADS or t.text.lower() in cues.PERSON_TITLES for t in current):
            return True
        return word in _NAME_PARTICLES and word not in _HEADED_JOINERS
    return word in _NAME_PARTICLES


def runs(tokens: list[Tok], lang: str) -> list[list[Tok]]:
    """Maximal capitalised sequences, connectors allowed between capitalised words."""
    runs: list[list[Tok]] = []
    current: list[Tok] = []
    for i, tok in enumerate(tokens):
        first = tok.text[0]
        if (
            (first.isupper() or (first in "ae" and is_cap(tok.text)))
            and (first.isalpha() or any(ch.isalpha() for ch in tok.text))
        ) or (
            current
            and tok.text in cues.CONNECTORS
            and (_joins(current, tokens, i, lang) or current[-1].text in cues.CONNECTORS)
        ):
            current.append(tok)
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def strip(run: list[Tok], lang: str) -> tuple[list[Tok], str]:
    """Drop what opens a sentence but names nothing: 'The', 'In', weekdays, stray connectors."""
    stop = stopwords(lang)
    determiner = ""
    while run and (
        (run[0].text.lower() in _DETERMINERS and (lang != "en" or run[0].text in _EN_DETERMINERS))
        or (run[0].sentence_start and run[0].text.lower() in stop)
        or run[0].text in cues.NOT_ENTITIES
        or run[0].text in cues.CONNECTORS
    ):
        determiner = run[0].text.lower()
        run = run[1:]
    while run and run[-1].text in cues.CONNECTORS:
        run = run[:-1]
    return run, determiner
