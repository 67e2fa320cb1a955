"""Mentions joined into entities: overlaps resolved, acronyms and surnames grouped with full
names, one name chosen per entity as the gold schema spells it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers import gazetteer
from shared.models import Entity

ADMIN_SUFFIX = re.compile("^(?:都|府|県|市|町|村|区|郡|省|州|自治区|旗|特別市|特别市|시|군|구|도)")
_NAME_WORDS = re.compile(r"[\s・]")
# "cue": a name the sentence types ("partido Morena") outranks a town of the same name.
_PRIORITY = {"cue": 4, "gazetteer": 3, "rule": 2, "weak": 1}


@dataclass
class Mention:
    start: int
    end: int
    type: str
    surface: str
    source: str  # "rule" (title, head word), "gazetteer" or "weak" (a guess)
    canonical: str | None = None
    acronym: bool = False
    aliases: set[str] = field(default_factory=set)


def resolve_overlaps(mentions: list[Mention]) -> list[Mention]:
    """Longest span first, then the surer source; a span never carries two entities."""
    ranked = sorted(mentions, key=lambda m: (-(m.end - m.start), -_PRIORITY[m.source], m.start))
    taken: list[Mention] = []
    for mention in ranked:
        if any(m.start < mention.end and mention.start < m.end for m in taken):
            continue
        taken.append(mention)
    return sorted(taken, key=lambda m: m.start)


def one_type_per_name(mentions: list[Mention]) -> list[Mention]:
    """'in a Red Bull one-two' and 'Red Bull team principal': a name the text types as an
    organisation somewhere is not a person elsewhere on the strength of its form alone."""
    orgs = {m.surface for m in mentions if m.type == "org" and m.source in {"rule", "cue"}}
    return [
        replace(m, type="org")
        if m.type == "person" and m.surface in orgs and m.source in {"rule", "weak"}
        else m
        for m in mentions
    ]


def name_entities(mentions: list[Mention], lang: str, text: str) -> list[Entity]:
    groups = _group(mentions, lang)
    out: dict[tuple[str, str], Entity] = {}
    for kind, members in groups:
        if kind == "event":
            continue
        if kind == "person" and all(m.source == "weak" for m in members):
            continue  # an unknown capitalised pair nobody refers to again is no safe name
        name = _choose_name(kind, members, lang)
        if not name:
            continue
        first = min(members, key=lambda m: m.start)
        key = (kind, name)
        if key not in out:
            span = text[first.start : first.end]
            out[key] = Entity(type=kind, name=name, text=span, start=first.start, end=first.end)
    return sorted(out.values(), key=lambda e: e.start)


def _group(mentions: list[Mention], lang: str) -> list[tuple[str, list[Mention]]]:
    """Join mentions of one entity: acronyms with full names, surnames with full names."""
    groups: list[tuple[str, list[Mention]]] = []
    persons: list[tuple[list[Mention], list[str]]] = []  # with the words of the full name
    for mention in sorted(mentions, key=lambda m: -(m.end - m.start)):
        home = _find_home(mention, groups, persons, lang)
        if home is not None:
            home.append(mention)
            continue
        members = [mention]
        kind = mention.type
        groups.append((kind, members))
        if kind == "person":
            persons.append((members, _NAME_WORDS.split(mention.surface)))
    return groups


def _find_home(
    mention: Mention,
    groups: list[tuple[str, list[Mention]]],
    persons: list[tuple[list[Mention], list[str]]],
    lang: str,
) -> list[Mention] | None:
    surface = mention.surface
    for members, tokens in persons:
        full = members[0].surface
        if mention.type == "person" or " " not in surface:
            if surface in tokens[1:] or (
                surface == tokens[0] and len(tokens) > 1 and mention.type == "person"
            ):
                return members
            if lang in {"ja", "zh", "ko"} and mention.type == "person" and full.startswith(surface):
                return members
    for kind, members in groups:
        if kind != mention.type:
            continue
        head = members[0]
        if head.canonical and head.canonical == mention.canonical and mention.source != "weak":
            return members
        if mention.surface in head.aliases or head.surface in mention.aliases:
            return members
        if kind == "place" and _same_place(head.surface, surface):
            return members
        if head.surface == surface:
            return members
    return None


def _same_place(longer: str, shorter: str) -> bool:
    return (
        longer != shorter
        and longer.startswith(shorter)
        and bool(ADMIN_SUFFIX.match(longer[len(shorter) :]))
    )


def _choose_name(kind: str, members: list[Mention], lang: str) -> str:
    surfaces = [m.surface for m in members]
    if kind == "person":
        return _untitled(max(surfaces, key=len), members)
    if kind == "place":
        if lang == "en":
            canon = next((m.canonical for m in members if m.canonical), None)
            return canon or max(surfaces, key=len)
        return max(surfaces, key=len)
    full = [m.surface for m in members if not m.acronym and not gazetteer.is_acronym(m.surface)]
    if full:
        return max(full, key=len)
    return max(surfaces, key=len)


def _untitled(name: str, members: list[Mention]) -> str:
    """'King Charles III' is 'Charles III': the gold names people without their titles. A title
    with a single name ('Pope Francis', 'Prince William') is how such people are named."""
    words = name.split()
    if len(words) < 2 or words[0].lower() not in cues.PERSON_TITLES:
        return name
    canonical = next((m.canonical for m in members if m.canonical), None)
    if canonical and canonical.split()[0].lower() not in cues.PERSON_TITLES:
        return canonical
    return " ".join(words[1:]) if len(words) >= 3 else name
