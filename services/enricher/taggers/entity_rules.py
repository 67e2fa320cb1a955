"""Naming rules for Latin-script text: capitalised runs classified by titles, heads and cues."""

from __future__ import annotations

from dataclasses import dataclass

from services.enricher.taggers import entity_context as context
from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers.capitalised import Tok, runs, strip
from services.enricher.taggers.capitalised import tokens as tokenize
from services.enricher.taggers.entity_candidates import Candidate, cand, finish
from services.enricher.taggers.entity_people import (
    PERSON_TOKEN,
    given_name_at,
    last_title,
    person,
    title_before,
)

_LIST_MARKS = frozenset({",", *cues.LIST_JOINERS})


@dataclass(frozen=True, slots=True)
class _Doc:
    """One text's tokens and what the rules look up in them, made once per text."""

    text: str
    lang: str
    known: dict[tuple[int, int], str]
    tokens: list[Tok]
    index: dict[int, int]  # token start -> position
    last: dict[str, int]  # token text -> position of its last occurrence
    lowered: set[str]  # words the text writes in lower case


def latin_candidates(
    text: str, lang: str, known: dict[tuple[int, int], str], skip_before: int = 0
) -> list[Candidate]:
    """Candidates from capitalised runs; runs before `skip_before` (a Title Case headline) are
    left to the gazetteer, since there every word is capitalised."""
    tokens = tokenize(text)
    doc = _Doc(
        text,
        lang,
        known,
        tokens,
        index={tok.start: i for i, tok in enumerate(tokens)},
        last={tok.text: i for i, tok in enumerate(tokens)},
        lowered={tok.text for tok in tokens if tok.text.islower()},
    )
    out: list[Candidate] = []
    for run in runs(tokens, lang):
        if run[0].start < skip_before:
            continue
        stripped, determiner = strip(run, lang)
        found = _classify_run(stripped, determiner, doc)
        if not found and stripped:
            found = _listed_kin(stripped, doc, out)
        if not found and len(stripped) > 1:
            found = [cand(stripped, "block", "rule", text)]
        out += found
    return finish(out, text, lang, known)


def _listed_kin(run: list[Tok], doc: _Doc, found: list[Candidate]) -> list[Candidate]:
    """'Paiporta, Chiva y Utiel', 'Honda, Mazda, Suzuki': a short name listed right after a
    place or an organisation is one of the same kind."""
    tokens = doc.tokens
    pos = doc.index[run[0].start]
    if len(run) > 3 or pos < 2 or tokens[pos - 1].text not in _LIST_MARKS:
        return []
    prev_end = tokens[pos - 2].end
    plain = all(PERSON_TOKEN.match(t.text) and "-" not in t.text for t in run)
    for kind in ("place", "org"):
        ends = {e for (_s, e), k in doc.known.items() if k == kind}
        ends |= {c.end for c in found if c.type == kind}
        if prev_end in ends and plain and (kind == "place" or len(run) <= 2):
            return [cand(run, kind, "rule", doc.text)]
    return []


def _classify_run(run: list[Tok], determiner: str, doc: _Doc) -> list[Candidate]:
    """`run` stripped of what opens a sentence but names nothing; `determiner`, the article
    stripped from its start."""
    if not run:
        return []
    text, lang = doc.text, doc.lang
    title_at = last_title(run)
    if title_at is not None:
        rest = run[title_at + 1 :]
        joined = [i for i, t in enumerate(rest) if t.text in cues.CONNECTORS]
        if joined and rest[0].text in cues.CONNECTORS:
            rest = rest[joined[-1] + 2 :]  # "Chancellor of the Exchequer Rachel Reeves"
        found = _classify_part(run[:title_at], doc, "", False)
        if rest and all(PERSON_TOKEN.match(t.text) for t in rest) and len(rest) <= 5:
            found.append(cand(rest, "person", "rule", text))
        return found
    if lang == "de" and len(run) > 1 and run[0].text.lower().endswith(cues.ORG_DESCRIPTOR_SUFFIXES):
        return [cand(run[1:], "org", "rule", text)]  # "der Flughafenverband ADV"
    named = given_name_at(run, doc.known)
    if named:
        found = _classify_part(run[:named], doc, "", False)
        return [*found, cand(run[named:], "person", "rule", text)]
    return _classify_part(run, doc, determiner, True)


def _classify_part(run: list[Tok], doc: _Doc, determiner: str, persons: bool) -> list[Candidate]:
    if not run:
        return []
    text, lang, known, tokens = doc.text, doc.lang, doc.known, doc.tokens
    words = [t.text for t in run]
    first, last = words[0], words[-1]
    pos = doc.index[run[0].start]
    after = doc.index[run[-1].start] + 1
    prev = _prev_word(tokens, pos)
    nxt = tokens[after].text if after < len(tokens) else ""
    exact = known.get((run[0].start, run[-1].end))
    is_org = _is_org(words, lang)
    if len(words) > 1 and (
        last in cues.EVENT_HEADS or (last in cues.FACILITY_HEADS and not is_org)
    ):
        return [cand(run, "event", "rule", text)]
    if _defer_to_gazetteer(run, known):
        return []
    if is_org:
        return [_org(run, text, determiner or prev.lower(), lang)]
    if len(words) > 1 and (
        last in cues.PLACE_HEADS_KEPT or first in {"Gulf", "Mount", "Lake", "Sea", "Bay", "Strait"}
    ):
        return [cand(run, "place", "rule", text)]
    if len(words) > 1 and last in cues.PLACE_HEADS_DROPPED:
        inner = run[:-1]
        return [cand(inner, "place", "rule", text, " ".join(t.text for t in inner))]
    if nxt in cues.PLACE_TRAILERS or (
        prev == "of" and _prev_word(tokens, pos - 1) in cues.PLACE_OF
    ):
        return [cand(run, "place", "rule", text)]
    # The four words after the run are all the context rules read of what follows it.
    later = tokens[after : after + 4]
    by_context = _by_context(run, words, prev, doc, pos, later, exact)
    if by_context or exact is not None or not persons:
        return by_context
    titled = title_before(tokens, pos) if len(run) > 1 else ""  # not "president announces Cabinet"
    comes_back = doc.last[last] >= after  # the surname is written again later
    return person(run, titled or prev, nxt, later, lang, doc.lowered, text, comes_back)


def _by_context(
    run: list[Tok],
    words: list[str],
    prev: str,
    doc: _Doc,
    pos: int,
    later: list[Tok],
    exact: str | None,
) -> list[Candidate]:
    """Organisations and places the words around an unknown name reveal; `words` are the
    run's, `prev` the word before it and `pos` the position of its first token."""
    text, known, tokens = doc.text, doc.known, doc.tokens
    generic = len(words) == 1 and words[0] in cues.ORG_HEADS  # "Army chief Gen. Park"
    cue_prev = prev if prev != "of" else f"of_{_prev_word(tokens, pos - 1)}"
    if (
        exact in {None, "place"}
        and not generic
        and context.org_by_neighbours(words, cue_prev, later, exact is not None)
    ):
        return [cand(run, "org", "cue" if exact else "rule", text)]
    if exact is not None:
        return []
    # a known place before a plural nickname ("Boston Celtics"): looked up only for such runs
    prefix = words[-1].endswith("s") and any(
        known.get((run[0].start, t.end)) == "place" for t in run[:-1]
    )
    if (
        context.club(words, prefix, text)
        or context.org_by_form(words, text, run[0].start)
        or _airline(words)
    ):
        return [cand(run, "org", "rule", text)]
    if (
        len(words) > 1
        and words[0] in cues.COMPASS_WORDS
        and known.get((run[1].start, run[-1].end)) == "place"
    ):
        return [cand(run, "place", "rule", text)]  # "Northern California"
    return []


def _airline(words: list[str]) -> bool:
    """'Korean Air', 'Air Busan', 'Jin Air'."""
    return 2 <= len(words) <= 3 and "Air" in (words[0], words[-1]) and "Force" not in words


def _defer_to_gazetteer(run: list[Tok], known: dict[tuple[int, int], str]) -> bool:
    """'U.S. Federal Reserve', 'Chipmaker Taiwan Semiconductor Manufacturing Co.': a known name
    ends the run, so the words before it are not part of the name."""
    end = run[-1].end
    return any(known.get((run[i].start, end)) == "org" for i in range(1, len(run)))


def _prev_word(tokens: list[Tok], pos: int) -> str:
    i = pos - 1
    while i >= 0 and tokens[i].text in {",", "’", "'"}:
        i -= 1
    return tokens[i].text if i >= 0 else ""


def _is_org(words: list[str], lang: str) -> bool:
    if len(words) < 2:
        return False  # every rule reads a head word and another
    first, last = words[0], words[-1]
    if last in cues.ORG_HEADS:
        return True
    if len(words) > 2 and last == "Power" and words[-2] in {"Electric", "Energy", "Nuclear"}:
        return True  # "Kyushu Electric Power"; a lone "Power" is as often a surname
    if last.lower().endswith(cues.ORG_HEAD_SUFFIXES) and lang == "de":
        return True
    if first in cues.ORG_HEADS:
        return (
            lang != "en"
            or words[1] in cues.CONNECTORS
            or any(w in cues.ORG_HEADS for w in words[1:])
        )
    return any(w in cues.ORG_HEADS for w in words[1:-1]) and any(
        w in cues.CONNECTORS for w in words
    )


def _org(run: list[Tok], text: str, determiner: str, lang: str) -> Candidate:
    """German adjectives take the strong ending without an article: das Hessische -> Hessisches."""
    made = cand(run, "org", "rule", text)
    first = run[0].text
    if lang == "de" and determiner in {"das", "der"} and first.endswith("e") and len(run) > 1:
        fixed = first + ("s" if determiner == "das" else "r") + made.surface[len(first) :]
        return Candidate(made.start, made.end, "org", fixed, "rule", fixed)
    return made
