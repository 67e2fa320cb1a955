"""People in Latin-script text: a capitalised run is a name by its title, its given name, a
verb of saying, an apposition, or its form where only names are capitalised."""

from __future__ import annotations

import re

from services.enricher.taggers import entity_context as context
from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers.capitalised import Tok
from services.enricher.taggers.entity_candidates import Candidate, cand
from services.enricher.taggers.gazetteer import given_names

_EAST_ASIAN_SURNAMES = cues.LISTS["east_asian_surnames"]
PERSON_TOKEN = re.compile(
    r"^(?:[A-ZÀ-ÞĀ-Ž][\w’'\-]*\.?|(?:al|el|bin|ibn|de|da|van|von|der|di|du|le|la|dos|das|do)(?:-[A-Z]\w+)?)$"
)


def person(
    run: list[Tok],
    prev: str,
    nxt: str,
    later: list[Tok],
    lang: str,
    lowered: set[str],
    text: str,
    comes_back: bool,
) -> list[Candidate]:
    """A person's name by its title, its given name, its speech verb, an apposition or, in
    languages that write nouns in lower case, its form.

    The last guess ('weak') stands only if the surname comes back later in the text
    (`comes_back`), as it does for nearly every person a news story names. `later` holds
    the words right after the run.
    """
    words = [t.text for t in run]
    if not all(PERSON_TOKEN.match(w) for w in words) or len(words) > 5:
        return []
    if prev.lower() in cues.PERSON_TITLES or prev.lower().endswith(cues.PERSON_TITLE_SUFFIXES):
        return [cand(run, "person", "rule", text)]
    if len(words) >= 2 and (words[0] in given_names() or _east_asian(words)):
        return [cand(run, "person", "rule", text)]
    spoken = nxt.lower() in cues.SPEECH_VERBS or prev.lower() in cues.SPEECH_VERBS
    if len(words) >= 2 and (spoken or context.person_by_apposition(later)):
        return [cand(run, "person", "rule", text)]
    if len(words) == 1:
        return [cand(run, "person", "weak", text)] if spoken else []
    if lang == "en" and not run[0].sentence_start and _name_like(words, lowered):
        return [cand(run, "person", "rule" if comes_back else "weak", text)]
    return []


def title_before(tokens: list[Tok], pos: int) -> str:
    """'directeur financier Jean-Jacques Guiony': a title one adjective before the name."""
    between = tokens[pos - 1].text if pos >= 2 else ""
    if not (between.isalpha() and between.islower()) or between in cues.CONNECTORS:
        return ""
    word = tokens[pos - 2].text.lower()
    titled = word in cues.PERSON_TITLES or word.endswith(cues.PERSON_TITLE_SUFFIXES)
    return word if titled and len(word) > 3 else ""


def given_name_at(run: list[Tok], known: dict[tuple[int, int], str]) -> int:
    """'presidente del Consiglio Giorgia Meloni': a given name and a surname end the run, and
    what comes before them is a title or an office, not part of the name."""
    for i in range(1, len(run) - 1):
        rest = run[i:]
        if (
            run[i].text in given_names()
            and run[i - 1].text not in given_names()
            and run[i - 1].text not in cues.CONNECTORS
            and len(rest) <= 3
            and rest[-1].text not in cues.ORG_HEADS | cues.CLUB_SUFFIXES
            and all(PERSON_TOKEN.match(t.text) for t in rest)
            and known.get((run[0].start, run[-1].end)) is None
        ):
            return i
    return 0


def last_title(run: list[Tok]) -> int | None:
    """The last title word; 'Dean' after a given name ('Ronnie Dean Stout') is a name."""
    for i in range(len(run) - 1, -1, -1):
        word = run[i].text.lower()
        titled = word in cues.PERSON_TITLES or (
            len(word) > 7 and word.endswith(cues.PERSON_TITLE_SUFFIXES)
        )
        if titled and not (i and run[i - 1].text in given_names() and run[i].text[:1].isupper()):
            return i
    return None


def _name_like(words: list[str], lowered: set[str]) -> bool:
    """Unknown capitalised pairs are names unless a word also appears in lower case, is written
    in capitals, or is a demonym ('South Korean')."""
    for word in words:
        if word.lower() in lowered or (word.isupper() and len(word) > 2):
            return False
        if re.search(r"(?:ean|ese|ish|ian|ic)$", word) or word in cues.NOT_ENTITIES:
            return False
    return True


def _east_asian(words: list[str]) -> bool:
    """'Lee Jae-myung', 'Tsai Ing-wen', 'Yoon Suk Yeol', 'Kim Jong Un'."""
    if words[0] not in _EAST_ASIAN_SURNAMES or len(words) > 3:
        return False
    if len(words) == 2:
        return bool(re.fullmatch(r"[A-Z][a-z]+-[a-z]+", words[1]))
    return all(len(w) <= 5 and w.isalpha() for w in words[1:])
