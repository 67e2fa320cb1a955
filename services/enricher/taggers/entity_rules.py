"""Naming rules for Latin-script text: capitalised runs classified by titles, heads and cues."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enricher.taggers import entity_context as context
from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers.capitalised import Tok, runs, strip
from services.enricher.taggers.capitalised import tokens as tokenize
from services.enricher.taggers.gazetteer import given_names

_EAST_ASIAN_SURNAMES = cues.LISTS["east_asian_surnames"]
# "le ministère de l’Intérieur": Romance ministries are written with a lower-case head.
_MINISTRY = re.compile(
    r"\b(?:ministère|ministerio|ministero|ministério)\s+(?:de\s+l[’']|d[’']|dell[’']|de\s+la\s+"
    r"|de\s+|du\s+|des\s+|del\s+|della\s+|degli\s+|delle\s+|do\s+|da\s+|dos\s+|das\s+)"
    r"[A-ZÀ-Þ][\w\-]+"
)
_LOWER_NOUNS = frozenset({"en", "fr", "es", "it", "pt"})  # capitals there mark names
_PERSON_TOKEN = re.compile(
    r"^(?:[A-ZÀ-ÞĀ-Ž][\w’'\-]*\.?|(?:al|el|bin|ibn|de|da|van|von|der|di|du|le|la|dos|das|do)(?:-[A-Z]\w+)?)$"
)


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    type: str  # person | org | place | event
    surface: str
    source: str
    canonical: str | None = None
    aliases: tuple[str, ...] = ()


def latin_candidates(
    text: str, lang: str, known: dict[tuple[int, int], str], skip_before: int = 0
) -> list[Candidate]:
    """Candidates from capitalised runs; runs before `skip_before` (a Title Case headline) are
    left to the gazetteer, since there every word is capitalised."""
    tokens = tokenize(text)
    index = {tok.start: i for i, tok in enumerate(tokens)}
    lowered = {tok.text for tok in tokens if tok.text.islower()}
    out: list[Candidate] = []
    for run in runs(tokens, lang):
        if run[0].start < skip_before:
            continue
        found = _classify_run(run, tokens, index, lang, known, lowered, text)
        stripped = strip(run, lang)[0]
        if not found and stripped:
            found = _listed_kin(stripped, tokens, index, known, out, text)
        if not found and len(stripped) > 1 and lang != "de":  # German capitalises all nouns
            found = [_cand(stripped, "block", "rule", text)]
        out += found
    out = [_full_name(c, text, lang) if c.type == "org" else c for c in out]
    out += _long_forms(text, known)
    if lang in {"fr", "es", "it", "pt"}:
        out += [
            Candidate(m.start(), m.end(), "org", m.group(), "rule")
            for m in _MINISTRY.finditer(text)
        ]
    out += _acronym_candidates(out, text)
    return out


def _full_name(cand: Candidate, text: str, lang: str) -> Candidate:
    """Where an organisation's name really ends: after the comma list of an office
    ('Ministry of Land, Infrastructure and Transport') or the lower-case adjectives of a
    Romance name ('Nouveau Front populaire')."""
    end = cand.end
    if " of " in cand.surface:
        end = context.listed_name_tail(text, end)
    if lang in {"fr", "es", "it", "pt"}:
        end = context.sentence_case_tail(text, end, cand.surface.split()[-1])
    if end == cand.end:
        return cand
    return Candidate(cand.start, end, "org", text[cand.start : end], cand.source)


def _long_forms(text: str, known: dict[tuple[int, int], str]) -> list[Candidate]:
    """'Programme alimentaire mondial (PAM)': the words an acronym in brackets abbreviates
    name an organisation (or the place or person the gazetteer knows by them)."""
    out = []
    for match in re.finditer(r"\(([A-Z][A-Za-z]{1,7})\)", text):
        start = context.long_form(text, match.start(), match.group(1))
        if start is None:
            continue
        end = len(text[: match.start()].rstrip())
        kind = known.get((start, end), "org")
        first = text[start:end].split()[0]
        if kind == "org" and first not in given_names() and first not in cues.NOT_ENTITIES:
            short = (match.group(1),)
            out.append(Candidate(start, end, "org", text[start:end], "rule", aliases=short))
    return out


def _listed_kin(
    run: list[Tok],
    tokens: list[Tok],
    index: dict[int, int],
    known: dict[tuple[int, int], str],
    found: list[Candidate],
    text: str,
) -> list[Candidate]:
    """'Paiporta, Chiva y Utiel', 'Honda, Mazda, Suzuki': a short name listed right after a
    place or an organisation is one of the same kind."""
    pos = index[run[0].start]
    if len(run) > 3 or pos < 2 or tokens[pos - 1].text not in {",", *cues.LIST_JOINERS}:
        return []
    prev_end = tokens[pos - 2].end
    plain = all(_PERSON_TOKEN.match(t.text) and "-" not in t.text for t in run)
    for kind in ("place", "org"):
        ends = {e for (_s, e), k in known.items() if k == kind}
        ends |= {c.end for c in found if c.type == kind}
        if prev_end in ends and plain and (kind == "place" or len(run) <= 2):
            return [_cand(run, kind, "rule", text)]
    return []


def _classify_run(
    run: list[Tok],
    tokens: list[Tok],
    index: dict[int, int],
    lang: str,
    known: dict[tuple[int, int], str],
    lowered: set[str],
    text: str,
) -> list[Candidate]:
    run, determiner = strip(run, lang)
    if not run:
        return []
    title_at = _last_title(run)
    if title_at is not None:
        rest = run[title_at + 1 :]
        joined = [i for i, t in enumerate(rest) if t.text in cues.CONNECTORS]
        if joined and rest[0].text in cues.CONNECTORS:
            rest = rest[joined[-1] + 2 :]  # "Chancellor of the Exchequer Rachel Reeves"
        found = _classify_part(run[:title_at], tokens, index, lang, known, lowered, text, "", False)
        if rest and all(_PERSON_TOKEN.match(t.text) for t in rest) and len(rest) <= 5:
            found.append(_cand(rest, "person", "rule", text))
        return found
    if lang == "de" and len(run) > 1 and run[0].text.lower().endswith(cues.ORG_DESCRIPTOR_SUFFIXES):
        return [_cand(run[1:], "org", "rule", text)]  # "der Flughafenverband ADV"
    named = _given_name_at(run, known)
    if named:
        found = _classify_part(run[:named], tokens, index, lang, known, lowered, text, "", False)
        return [*found, _cand(run[named:], "person", "rule", text)]
    return _classify_part(run, tokens, index, lang, known, lowered, text, determiner, True)


def _given_name_at(run: list[Tok], known: dict[tuple[int, int], str]) -> int:
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
            and all(_PERSON_TOKEN.match(t.text) for t in rest)
            and known.get((run[0].start, run[-1].end)) is None
        ):
            return i
    return 0


def _last_title(run: list[Tok]) -> int | None:
    """The last title word; 'Dean' after a given name ('Ronnie Dean Stout') is a name."""
    for i in range(len(run) - 1, -1, -1):
        word = run[i].text.lower()
        if i and run[i - 1].text in given_names() and run[i].text[:1].isupper():
            continue
        if word in cues.PERSON_TITLES or (
            len(word) > 7 and word.endswith(cues.PERSON_TITLE_SUFFIXES)
        ):
            return i
    return None


def _cand(
    run: list[Tok], kind: str, source: str, text: str, canonical: str | None = None
) -> Candidate:
    start, end = run[0].start, run[-1].end
    return Candidate(start, end, kind, text[start:end], source, canonical)


def _classify_part(
    run: list[Tok],
    tokens: list[Tok],
    index: dict[int, int],
    lang: str,
    known: dict[tuple[int, int], str],
    lowered: set[str],
    text: str,
    determiner: str,
    persons: bool,
) -> list[Candidate]:
    if not run:
        return []
    words = [t.text for t in run]
    first, last = words[0], words[-1]
    pos = index[run[0].start]
    prev = _prev_word(tokens, pos)
    nxt = tokens[index[run[-1].start] + 1].text if index[run[-1].start] + 1 < len(tokens) else ""
    exact = known.get((run[0].start, run[-1].end))
    if len(words) > 1 and (
        last in cues.EVENT_HEADS or (last in cues.FACILITY_HEADS and not _is_org(words, lang))
    ):
        return [_cand(run, "event", "rule", text)]
    if _defer_to_gazetteer(run, known):
        return []
    if _is_org(words, lang):
        return [_org(run, text, determiner or prev.lower(), lang)]
    if len(words) > 1 and (
        last in cues.PLACE_HEADS_KEPT or first in {"Gulf", "Mount", "Lake", "Sea", "Bay", "Strait"}
    ):
        return [_cand(run, "place", "rule", text)]
    if len(words) > 1 and last in cues.PLACE_HEADS_DROPPED:
        inner = run[:-1]
        return [_cand(inner, "place", "rule", text, " ".join(t.text for t in inner))]
    if nxt in cues.PLACE_TRAILERS or (
        prev == "of" and _prev_word(tokens, pos - 1) in cues.PLACE_OF
    ):
        return [_cand(run, "place", "rule", text)]
    after = index[run[-1].start] + 1
    by_context = _by_context(run, tokens, index, tokens[after : after + 4], known, exact, text)
    if by_context or exact is not None or not persons:
        return by_context
    later = tokens[after:]
    return _person(run, _title_before(tokens, pos) or prev, nxt, later, lang, lowered, text)


def _by_context(
    run: list[Tok],
    tokens: list[Tok],
    index: dict[int, int],
    later: list[Tok],
    known: dict[tuple[int, int], str],
    exact: str | None,
    text: str,
) -> list[Candidate]:
    """Organisations and places the words around an unknown name reveal."""
    words = [t.text for t in run]
    prev = _prev_word(tokens, index[run[0].start])
    generic = len(words) == 1 and words[0] in cues.ORG_HEADS  # "Army chief Gen. Park"
    cue_prev = prev if prev != "of" else f"of_{_prev_word(tokens, index[run[0].start] - 1)}"
    if (
        exact in {None, "place"}
        and not generic
        and context.org_by_neighbours(words, cue_prev, later, exact is not None)
    ):
        return [_cand(run, "org", "cue" if exact else "rule", text)]
    if exact is not None:
        return []
    prefix = any(known.get((run[0].start, t.end)) == "place" for t in run[:-1])
    if context.club(words, prefix) or context.org_by_form(words) or _airline(words):
        return [_cand(run, "org", "rule", text)]
    if (
        len(words) > 1
        and words[0] in cues.COMPASS_WORDS
        and known.get((run[1].start, run[-1].end)) == "place"
    ):
        return [_cand(run, "place", "rule", text)]  # "Northern California"
    return []


def _airline(words: list[str]) -> bool:
    """'Korean Air', 'Air Busan', 'Jin Air'."""
    return 2 <= len(words) <= 3 and "Air" in (words[0], words[-1]) and "Force" not in words


def _title_before(tokens: list[Tok], pos: int) -> str:
    """'directeur financier Jean-Jacques Guiony': a title one adjective before the name."""
    between = tokens[pos - 1].text if pos >= 2 else ""
    if not (between.isalpha() and between.islower()) or between in cues.CONNECTORS:
        return ""
    word = tokens[pos - 2].text.lower()
    titled = word in cues.PERSON_TITLES or word.endswith(cues.PERSON_TITLE_SUFFIXES)
    return word if titled and len(word) > 3 else ""


def _person(
    run: list[Tok],
    prev: str,
    nxt: str,
    later: list[Tok],
    lang: str,
    lowered: set[str],
    text: str,
) -> list[Candidate]:
    """A person's name by its title, its given name, its speech verb, an apposition or, in
    languages that write nouns in lower case, its form.

    The last guess ('weak') stands only if the surname comes back later in the text, as it
    does for nearly every person a news story names.
    """
    words = [t.text for t in run]
    if not all(_PERSON_TOKEN.match(w) for w in words) or len(words) > 5:
        return []
    if prev.lower() in cues.PERSON_TITLES or prev.lower().endswith(cues.PERSON_TITLE_SUFFIXES):
        return [_cand(run, "person", "rule", text)]
    if len(words) >= 2 and (words[0] in given_names() or _east_asian(words)):
        return [_cand(run, "person", "rule", text)]
    spoken = nxt.lower() in cues.SPEECH_VERBS or prev.lower() in cues.SPEECH_VERBS
    if len(words) >= 2 and (spoken or context.person_by_apposition(later)):
        return [_cand(run, "person", "rule", text)]
    if len(words) == 1:
        return [_cand(run, "person", "weak", text)] if spoken else []
    if lang in _LOWER_NOUNS and _name_like(words, lowered):
        repeated = any(t.text == words[-1] for t in later)
        if run[0].sentence_start and not repeated:
            return []  # a capitalised pair opening a sentence may be anything
        return [_cand(run, "person", "rule" if repeated else "weak", text)]
    return []


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


def _is_org(words: list[str], lang: str) -> bool:
    first, last = words[0], words[-1]
    if len(words) > 1 and last in cues.ORG_HEADS:
        return True
    if len(words) > 1 and last.lower().endswith(cues.ORG_HEAD_SUFFIXES) and lang == "de":
        return True
    if first in cues.ORG_HEADS and len(words) > 1:
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
    cand = _cand(run, "org", "rule", text)
    first = run[0].text
    if lang == "de" and determiner in {"das", "der"} and first.endswith("e") and len(run) > 1:
        fixed = first + ("s" if determiner == "das" else "r") + cand.surface[len(first) :]
        return Candidate(cand.start, cand.end, "org", fixed, "rule", fixed)
    return cand


def _acronym_candidates(found: list[Candidate], text: str) -> list[Candidate]:
    """'Agencia Estatal de Meteorología (Aemet)': the short form names the same organisation."""
    out: list[Candidate] = []
    for cand in found:
        if cand.type != "org":
            continue
        match = re.match(r"\s*\(([A-Z][A-Za-z0-9&.\-]{1,11})\)", text[cand.end : cand.end + 16])
        if match is None:
            continue
        short = match.group(1)
        aliases = (short,)
        out.append(
            Candidate(cand.start, cand.end, "org", cand.surface, "rule", cand.canonical, aliases)
        )
        for m in re.finditer(rf"(?<![\w]){re.escape(short)}(?![\w])", text):
            out.append(Candidate(m.start(), m.end(), "org", short, "rule", None, (cand.surface,)))
    return out
