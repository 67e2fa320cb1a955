"""Context cues that type an unknown capitalised name: the words around it, not the name itself.

A wire names most companies, clubs and people no list can hold ("startup Wiz", "Williams
driver Alexander Albon", "Ciaran Martin, a professor"); the sentence says what they are.
"""

from __future__ import annotations

import re

from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers.capitalised import Tok, stopwords
from services.enricher.taggers.gazetteer import given_names

_DEMONYM = re.compile(r"(?:ean|ese|ish|ian)$")

_CAMEL = re.compile(
    r"^(?!M[ac]c?[A-Z]|O[’'][A-Z]|D[ei][A-Z]|L[ae][A-Z]|Van[A-Z])[A-Z][a-z]+[A-Z]\w*$"
)
_ADJECTIVE = re.compile(
    r"^[a-zà-ÿ]+(?:al|ale|ales|aux|el|elle|ien|ienne|ique|aire|ais|aise|ano|ana|ico|ica|ivo|iva"
    r"|ile|ista|ense|ês)$"
)


def org_by_form(words: list[str], text: str, start: int) -> bool:
    """'CrowdStrike', 'DuckDuckGo': a capital inside one word is a company's way of writing,
    when the story names it twice and it is no @handle or #tag (code and social posts write
    CamelCase words once in passing)."""
    if len(words) != 1 or not _CAMEL.match(words[0]) or text[start - 1 : start] in {"@", "#"}:
        return False
    return text.count(words[0]) >= 2


def org_by_neighbours(words: list[str], prev: str, nxt: list[Tok], known: bool) -> bool:
    """'startup Wiz', 'partido Morena', 'shares of Eli Lilly' (a noun before); 'Komeito leader
    Keiichi Ishii', 'Red Bull team principal Christian Horner' (a role, then a name);
    'McLaren’s Lando Norris' (a possessive, then a person)."""
    possessive = bool(nxt) and nxt[0].text in {"’s", "'s"}
    cue_before = prev.lower() in cues.ORG_CUE_NOUNS or prev.lower().endswith(
        cues.ORG_DESCRIPTOR_SUFFIXES
    )
    role_after = bool(nxt) and nxt[0].text in cues.ORG_ROLES
    if not (cue_before or role_after or possessive):
        return False
    if len(words) == 1 and (len(words[0]) < 2 or words[0].lower() in stopwords("en")):
        return False  # "I", "For"
    if _DEMONYM.search(words[-1]):
        return False  # "South Korean", "British": demonyms
    if cue_before:
        return True
    if known:
        return False  # "Texas governor", "Austria’s Robert Holzmann": the place stays a place
    roles = 0
    while roles < len(nxt) and roles < 3 and nxt[roles].text in cues.ORG_ROLES:
        roles += 1
    following = nxt[roles].text if roles < len(nxt) else ""
    if roles > 0 and following[:1].isupper():
        return True
    names = [t.text for t in nxt[1:3]]
    return possessive and len(names) == 2 and names[0] in given_names()


def club(words: list[str], place_prefix: bool, text: str) -> bool:
    """'Borussia Dortmund', 'SV Werder Bremen'; 'West Ham United' (a club word last); 'Boston
    Celtics' (a known place before a plural nickname the story writes with 'the'), unless the
    place is a given name too ('Teresa Marques')."""
    if len(words) < 2:
        return False
    if words[0] in cues.CLUB_PREFIXES and len(words) <= 4:
        return True
    last = words[-1]
    if last in cues.CLUB_SUFFIXES and last not in {"City", "Athletic"}:
        return len(words) <= 4
    if not place_prefix or len(words) > 4 or words[0] in given_names():
        return False
    nickname = last.endswith("s") and not last.endswith(("ss", "us")) and last.isalpha()
    # a team is "the Celtics" somewhere in the story; a person never is "the Hastings"
    lowered = text.lower()
    named_so = f"the {last.lower()}" in lowered or f"the {' '.join(words).lower()}" in lowered
    return nickname and last not in cues.PLACE_HEADS_KEPT and named_so


def person_by_apposition(later: list[Tok]) -> bool:
    """'Ciaran Martin, a professor', 'Kyrie Irving, who won', 'Ronnie Dean Stout, 42,'."""
    if len(later) < 2 or later[0].text != ",":
        return False
    word = later[1].text
    if word.lower() in cues.APPOSITION_WORDS or word in {"a", "an"}:
        return True
    if len(later) > 3 and later[2].text in {"’s", "'s"}:
        return later[3].text.lower() in cues.PERSON_TITLES  # "Kent Walker, Google’s president"
    return word.isdigit() and len(word) <= 2 and len(later) > 2 and later[2].text == ","


def sentence_case_tail(text: str, end: int, last: str) -> int:
    """'Nouveau Front populaire', 'Rassemblement national': Romance party and programme names
    go on in lower-case adjectives after their head word; where the name really ends."""
    if last not in cues.SENTENCE_CASE_HEADS:
        return end
    for _ in range(2):
        match = re.match(r" ([a-zà-ÿ]+)(?![\w’'])", text[end:])
        if match is None or not _ADJECTIVE.match(match.group(1)):
            break
        end += match.end()
    return end


def listed_name_tail(text: str, end: int) -> int:
    """'Ministry of Land, Infrastructure and Transport': a comma inside an office's name."""
    match = re.match(r"(?:, [A-Z][a-z]+)+,? and [A-Z][a-z]+(?: [A-Z][a-z]+)*(?![\w’'])", text[end:])
    return end + match.end() if match else end


def long_form(text: str, open_paren: int, short: str) -> int | None:
    """Where the long form of `short` starts before '(short)': 'Programme alimentaire mondial
    (PAM)', 'Instituto Nacional Electoral (INE)'. Schwartz and Hearst's rule: the short form's
    letters appear in order in the words before it, the first one opening a word."""
    words = list(re.finditer(r"[\w’'\-]+", text[max(0, open_paren - 160) : open_paren]))
    letters = [ch.lower() for ch in short if ch.isalpha()]
    if len(letters) < 2 or not words:
        return None
    base = max(0, open_paren - 160)
    window = words[-min(len(words), len(letters) + 5) :]
    for first in range(len(window) - 1, -1, -1):
        word = window[first].group()
        if not word[0].isupper() or word.lower()[0] != letters[0]:
            continue  # tested before the phrase is joined: most words fail here
        phrase = " ".join(w.group() for w in window[first:]).lower()
        if _in_order(letters, phrase):
            return base + window[first].start()
    return None


def _in_order(letters: list[str], phrase: str) -> bool:
    pos = 0
    for letter in letters:
        pos = phrase.find(letter, pos) + 1
        if pos == 0:
            return False
    return True
