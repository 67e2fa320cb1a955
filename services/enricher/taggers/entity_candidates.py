"""Latin-script candidates and the passes that finish them: full names, short forms, aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.enricher.taggers import entity_context as context
from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers.capitalised import Tok
from services.enricher.taggers.gazetteer import given_names

# "le ministère de l’Intérieur": Romance ministries are written with a lower-case head.
_MINISTRY = re.compile(
    r"\b(?:ministère|ministerio|ministero|ministério)\s+(?:de\s+l[’']|d[’']|dell[’']|de\s+la\s+"
    r"|de\s+|du\s+|des\s+|del\s+|della\s+|degli\s+|delle\s+|do\s+|da\s+|dos\s+|das\s+)"
    r"[A-ZÀ-Þ][\w\-]+"
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


def cand(
    run: list[Tok], kind: str, source: str, text: str, canonical: str | None = None
) -> Candidate:
    start, end = run[0].start, run[-1].end
    return Candidate(start, end, kind, text[start:end], source, canonical)


def finish(
    found: list[Candidate], text: str, lang: str, known: dict[tuple[int, int], str]
) -> list[Candidate]:
    """Organisations grown to their full names, plus long forms, ministries and short forms."""
    out = [_full_name(c, text, lang) if c.type == "org" else c for c in found]
    out += _long_forms(text, known)
    if lang in {"fr", "es", "it", "pt"}:
        out += [
            Candidate(m.start(), m.end(), "org", m.group(), "rule")
            for m in _MINISTRY.finditer(text)
        ]
    return out + _acronym_candidates(out, text)


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
        if re.search(r"[()\[\],.;:!?\n]", text[start:end]):
            continue  # a long form is one phrase: "ANSA) - ROMA" is none
        kind = known.get((start, end), "org")
        first = text[start:end].split()[0]
        if kind == "org" and first not in given_names() and first not in cues.NOT_ENTITIES:
            short = (match.group(1),)
            out.append(Candidate(start, end, "org", text[start:end], "rule", aliases=short))
    return out


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
