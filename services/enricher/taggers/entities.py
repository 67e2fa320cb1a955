"""People, organisations and places: gazetteer hits and naming rules, merged under one name."""

from __future__ import annotations

import re

from services.enricher.taggers import entity_cues as cues
from services.enricher.taggers import gazetteer
from services.enricher.taggers.datelines import Dateline
from services.enricher.taggers.entities_cjk import cjk_mentions
from services.enricher.taggers.entity_candidates import Candidate
from services.enricher.taggers.entity_naming import (
    ADMIN_SUFFIX,
    Mention,
    name_entities,
    one_type_per_name,
    resolve_overlaps,
)
from services.enricher.taggers.entity_rules import latin_candidates
from services.enricher.taggers.scripts import HAN, HANGUL, KANA
from shared.models import Entity

_KO_PARTICLE = re.compile(
    r"^(?:이|가|은|는|을|를|의|에게|에서|에|과|와|도|로|으로|께서|만|까지|부터|처럼|보다|이나|나|발|행)?"
    r"(?![가-힣])"
)
_IS_HAN = re.compile(f"[{HAN}]")
_IS_HANGUL = re.compile(f"[{HANGUL}]")
_IS_KANA = re.compile(f"[{KANA}]")
_IS_KATAKANA = re.compile("[\u30a0-\u30ff]")
_ZH_LEFT = frozenset("在于至到从赴往由、，。（「“ \n")
_ZH_RIGHT = frozenset("，。、）」”的等和及与 \n")
_NOT_AFTER_ADMIN = frozenset("場场長长民政議议内庁")
_FACILITY_BEFORE = re.compile(
    rf"\b(?:{'|'.join(sorted(cues.FACILITY_NOUNS))})\s+(?:(?:de|di|do|da|del|du|of)\s+)?$",
    re.IGNORECASE,
)


def extract_entities(
    text: str, language: str | None, dateline: Dateline | None = None, headline_end: int = 0
) -> list[Entity]:
    """Entities named in `text`, one per (type, name), with the span of the first mention.

    `headline_end` marks where a headline at the start of `text` ends: a Title Case headline
    capitalises every word, so there only names the body confirms are taken.
    """
    lang = language or "en"
    titled = headline_end if _title_case_headline(text[:headline_end]) else 0
    mentions = _gazetteer_mentions(text, lang, titled)
    if lang in {"ja", "zh", "ko"}:
        places = [m for m in mentions if m.type == "place"]
        cuts = frozenset(m.end for m in places)
        found = [
            Mention(m.start, m.end, m.type, m.surface, "rule", aliases=set(m.aliases))
            for m in cjk_mentions(text, lang, cuts, frozenset(m.start for m in places))
        ]
        mentions = _han_context(mentions, found, text) if lang in {"zh", "ja"} else mentions
        mentions += found
    else:
        known = {(m.start, m.end): m.type for m in mentions}
        found_latin = latin_candidates(text, lang, known, titled)
        blocks = [(c.start, c.end) for c in found_latin if c.type == "block"]
        curated = {(m.start, m.end) for m in mentions if m.canonical is not None}
        mentions = [m for m in mentions if not _inside_block(m, blocks, lang)]
        mentions += [
            _from_candidate(c)
            for c in found_latin
            if c.type != "block" and not (c.source == "cue" and (c.start, c.end) in curated)
        ]
    if dateline is not None:
        mentions = [m for m in mentions if not _credit(m, dateline)]
        mentions.append(_dateline_mention(dateline, lang))
    chosen = one_type_per_name(resolve_overlaps(mentions))
    return name_entities(chosen, lang, text)


def _inside_block(mention: Mention, blocks: list[tuple[int, int]], lang: str) -> bool:
    """A package-built place inside an unknown capitalised name ('British Summer Time') is a
    word of that name, not a place; curated names keep their meaning. German capitalises
    every noun, so a place closing a run there follows a common noun ('Standort Deutschland')."""
    if mention.canonical is not None or mention.type != "place":
        return False
    return any(
        s <= mention.start
        and mention.end <= e
        and (s, e) != (mention.start, mention.end)
        and not (lang == "de" and mention.end == e)
        for s, e in blocks
    )


def _from_candidate(c: Candidate) -> Mention:
    return Mention(c.start, c.end, c.type, c.surface, c.source, c.canonical, aliases=set(c.aliases))


def _dateline_mention(dateline: Dateline, lang: str) -> Mention:
    place = dateline.place
    if (place.isupper() and place.isascii()) or place.isupper():
        place = _title_case(place)
    return Mention(
        dateline.start, dateline.start + len(dateline.place), "place", place, "rule", place
    )


def _title_case(name: str) -> str:
    small = {"del", "de", "di", "da", "do", "la", "le", "des", "du", "of", "the", "am", "im", "an"}
    words = re.split(r"(\s+|-|/)", name.lower())
    out = [w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words)]
    return "".join(out)


def _title_case_headline(headline: str) -> bool:
    words = [w for w in headline.split() if w[:1].isalpha()]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _gazetteer_mentions(text: str, lang: str, titled: int) -> list[Mention]:
    out = []
    body = text[titled:]
    for hit in gazetteer.find(text):
        end = _boundary_end(text, hit.start, hit.end, lang)
        if end is None or hit.surface in cues.NOT_ENTITIES:
            continue
        entry = _pick(hit.entries)
        if entry.canonical is None and hit.surface.lower() in cues.PERSON_TITLES:
            continue  # "Chair Jerome Powell": a title, though some town bears the name
        if entry.canonical is None and hit.start < titled and hit.surface not in body:
            continue
        if entry.canonical is None and _FACILITY_BEFORE.search(
            text, max(0, hit.start - 24), hit.start
        ):
            continue  # "estadio de Wembley": the place names a venue
        surface = text[hit.start : end]
        out.append(
            Mention(
                hit.start, end, entry.type, surface, "gazetteer", entry.canonical, entry.acronym
            )
        )
    return out


def _credit(mention: Mention, dateline: Dateline) -> bool:
    """新华社 in '新华社北京3月21日电' credits the wire: the story does not name it."""
    return (
        mention.type == "org"
        and mention.surface == dateline.agency
        and (mention.start < dateline.end)
    )


def _han_context(mentions: list[Mention], rules: list[Mention], text: str) -> list[Mention]:
    """Package-built places in Han text stand only where the text reads like a place; a place
    the rules found next to one (广西 before 梧州市) is such a reading."""
    places = [m for m in mentions if m.type == "place"] + [m for m in rules if m.type == "place"]
    out = []
    for mention in mentions:
        others = {p for m in places if m is not mention for p in (m.start, m.end)}
        if mention.canonical is not None or _cjk_context(text, mention.start, mention.end, others):
            out.append(mention)
    return out


def _cjk_context(text: str, start: int, end: int, neighbours: set[int]) -> bool:
    """Han has no spaces: a gazetteer town inside 世界首次 is no place unless the text around it
    reads like one (a preposition, punctuation or kana around it, or a neighbouring place). A
    name of three or more characters (莫斯科) is rarely part of a longer word: one side will do."""
    if not _IS_HAN.match(text[start]) or start in neighbours or end in neighbours:
        return True
    if ADMIN_SUFFIX.match(text[end - 1]) and end - start >= 3:
        return True  # extended by its suffix (大阪市): written as a place
    left = text[start - 1] if start else " "
    right = text[end] if end < len(text) else " "
    left_ok = left in _ZH_LEFT or bool(_IS_KANA.match(left))
    right_ok = right in _ZH_RIGHT or bool(_IS_KANA.match(right) or ADMIN_SUFFIX.match(right))
    return left_ok or right_ok if end - start >= 3 else left_ok and right_ok


_RANK = {"person": 0, "org": 1, "place": 2}


def _pick(entries: tuple[gazetteer.Entry, ...]) -> gazetteer.Entry:
    """Curated people and organisations outrank the package-built place lists."""
    if len(entries) == 1:
        return entries[0]
    return min(entries, key=lambda e: (_RANK[e.type], e.canonical is None))


def _boundary_end(text: str, start: int, end: int, lang: str) -> int | None:
    """Where a hit really ends, or None when it is part of a longer word."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    first = text[start]
    if _IS_HANGUL.match(first):
        extended = _extend_admin(text, end)  # 무안 before 군 is 무안군
        if _IS_HANGUL.match(before) or (
            extended == end and not _KO_PARTICLE.match(text[end : end + 3])
        ):
            return None
        return extended
    if _IS_HAN.match(first) or _IS_KANA.match(first):
        if _IS_KATAKANA.match(first) and (_IS_KATAKANA.match(before) or _IS_KATAKANA.match(after)):
            return None
        extended = _extend_admin(text, end)
        if lang == "ja" and extended == end and _IS_HAN.match(after):
            return None  # 日本銀行: the place is part of a longer word
        return extended
    if lang == "de" and after == "s" and not text[end + 1 : end + 2].isalnum():
        after = " "  # a genitive: "Bayerns Ministerpräsident" names Bayern
    joined_after = after == "-" and text[end + 1 : end + 2].isalpha()  # "Pennsylvania-based"
    if (
        before.isalnum()
        or after.isalnum()
        or joined_after
        or (before in "-" and start > 1 and text[start - 2].isalnum())
    ):
        return None
    return end


def _extend_admin(text: str, end: int) -> int:
    """CJK names keep the fullest form written: 輪島 before 市 becomes 輪島市."""
    match = ADMIN_SUFFIX.match(text[end : end + 3])
    if match is None:
        return end
    stop = end + len(match.group())
    if stop < len(text) and text[stop] in _NOT_AFTER_ADMIN:
        return end
    if _IS_HANGUL.match(match.group()) and not _KO_PARTICLE.match(text[stop : stop + 3]):
        return end
    return stop
