"""The dateline: the place that opens a story's body, as written, without state or country."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .timestamps import MONTHS

_DASH = r"(?:—|–|―|-{1,2}|_)"
_LEAD = re.compile(rf"^(?P<lead>[^\n]{{1,90}}?)\s*\.?\s*{_DASH}(?=\s)")
_AGENCY_FIRST = re.compile(rf"^\(\s*[^()\s]{{2,12}}\s*\)\s*{_DASH}\s*(?P<lead>[^,\n]{{2,40}}),")
# Nordic agencies put the agency between slashes: "København /ritzau/:", "Oslo /NTB/:".
_SLASH_AGENCY = re.compile(
    rf"^(?P<lead>[^\W\d_][^/\n,:]{{0,40}}?)\s*/\s*[^\W\d_]{{2,12}}\s*/\s*(?::|{_DASH})"
)
_BRACKET = re.compile(
    r"^[【〔［\[]\s*(?P<place>[^】〕］\]=＝\s]{1,20})\s*(?:[=＝][^】〕］\]]*)?[】〕］\]]"
)
_CN_AGENCY = re.compile(
    r"^(?:本报|本刊|新华社|中新社|中新网|人民网|新华网|央视网|光明网)(?:记者)?\s*"
    r"(?P<place>[\u4e00-\u9fff]{2,8}?)\s*(?:\d|[一二三四五六七八九十]{1,3}月|电|讯)"
)
_KR_AGENCY = re.compile(
    r"^[(\[（]\s*(?P<place>[^\s=＝()\[\]（）]{1,15})\s*[=＝][^)\]）]{1,20}[)\]）]"
)
# 【北京共同】: Japanese papers glue the agency to the place.
_JP_AGENCY = re.compile(r"(?<=.)(?:共同|時事|ロイター|ＡＦＰ|AFP|ＡＰ|AP|新華社|聯合|共同通信)$")
_TRAILING_AGENCY = re.compile(r"\s*\(([^()]{1,30})\)\s*$")
_TRAILING_DATE = re.compile(
    r"\s+(?:[^\W\d_]{3,9}\.?\s+\d{1,2}|\d{1,2}\s+[^\W\d_]{3,9}\.?)(?:\s+[A-Z]{2,6})?$"
)
# Labels that open bodies in capitals but name no place.
_NOT_PLACES = frozenset({
    "BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "ANALYSIS", "FILE", "OPINION", "EDITORIAL",
    "COMMENT", "CORRECTION", "CORRECTED", "WATCH", "VIDEO", "PHOTOS", "PHOTO", "LIVE", "REVIEW",
    "INTERVIEW", "FACTBOX", "EXPLAINER", "KILL", "ADVISORY", "NOTE", "URGENT", "FLASH", "ALERT",
    "BULLETIN", "EDS", "EDITORS", "REFILE", "RECAP", "WRAPUP", "PREVIEW", "SPONSORED",
    "ADVERTISEMENT", "AP", "REUTERS", "AFP", "DPA", "UPI", "NEW", "FIRST", "LEAD", "TOP",
    "SUMMARY", "DIGEST"
})  # fmt: skip
_NOT_TAGS = frozenset({
    "速報", "独自", "動画", "写真", "図解", "詳報", "解説", "社説", "寄稿", "特集",
    "更新", "追記", "訂正", "号外", "속보", "단독", "포토", "영상", "사진", "PR",
})  # fmt: skip
_BY = frozenset({"by", "von", "por", "par", "di", "door", "av"})
_WEEKDAYS = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
    "wed", "thu", "fri", "sat", "sun"
})  # fmt: skip


def extract(body_text: str) -> str | None:
    """Dateline of a body: checks the first paragraph, or the second after a byline paragraph."""
    paragraphs = [p.strip() for p in body_text.split("\n") if p.strip()][:2]
    for index, para in enumerate(paragraphs):
        found = _from_paragraph(para)
        if found or index > 0 or not _is_byline(para):
            return found
    return None


def _is_byline(para: str) -> bool:
    words = para.split(maxsplit=1)
    return len(para) < 80 and bool(words) and words[0].lower() in _BY


def _from_paragraph(para: str) -> str | None:
    text = para.lstrip("\"'“‘«„ \u3000")
    for pattern in (_BRACKET, _CN_AGENCY, _KR_AGENCY):
        match = pattern.match(text)
        if match and match.group("place") not in _NOT_TAGS:
            return _JP_AGENCY.sub("", match.group("place")) or match.group("place")
    match = _AGENCY_FIRST.match(text) or _SLASH_AGENCY.match(text)
    if match:
        return _place(match.group("lead"), agency=True, dash="-")
    match = _LEAD.match(text)
    if not match:
        return None
    dash = match.group(0)[len(match.group("lead")) :].strip(" .")
    return _split_lead(match.group("lead"), dash)


def _split_lead(lead: str, dash: str) -> str | None:
    agency = _TRAILING_AGENCY.search(lead)
    if agency:
        lead = lead[: agency.start()]
    lead = _TRAILING_DATE.sub("", lead.split(",")[0])
    return _place(lead, agency=agency is not None, dash=dash)


def _place(candidate: str, *, agency: bool, dash: str) -> str | None:
    """The lead is a place if it is short, has no digits, and is written like one."""
    place = candidate.strip(" ,;:\u3000")
    if place.endswith(".") and place.count(".") == 1:
        place = place[:-1]
    words = place.split()
    if not words or len(words) > 5 or any(ch.isdigit() for ch in place):
        return None
    first = words[0].lower().rstrip(".")
    if place.upper() in _NOT_PLACES or first in MONTHS or first in _WEEKDAYS or first in _BY:
        return None
    cased = [ch for ch in place if ch.isupper() or ch.islower()]
    if cased and all(ch.isupper() for ch in cased) and len(cased) >= 2:
        return place  # SAN FRANCISCO, CITTÀ DEL VATICANO
    if cased and agency and all(w[0].isupper() for w in words if w[0].isalpha()):
        return place  # Frankfurt/Main (dpa)
    if not cased and dash in ("—", "–", "―") and len(place) <= 12:
        return place  # 서울 —
    return None


def from_wire_field(value: str | None) -> str | None:
    """Place of a wire's own dateline field ("MOSCOW, Monday (Reuters)", "KYIV, Ukraine")."""
    text = " ".join((value or "").split()).strip(" -—–_")
    if not text:
        return None
    if " - " in text:
        text = text.rsplit(" - ", 1)[-1].strip()
    agency = _TRAILING_AGENCY.search(text)
    if agency:
        text = text[: agency.start()]
    head = _TRAILING_DATE.sub("", text.split(",")[0]).strip()
    words = head.split()
    if not words or len(words) > 5 or any(ch.isdigit() for ch in head):
        return None
    if words[0].lower().rstrip(".") in MONTHS or words[0].lower().rstrip(".") in _WEEKDAYS:
        return None
    return head


def choose(wire_field: str | None, body_text: str, *, byline: str | None = None) -> str | None:
    """The wire's own dateline, spelt as the body writes it when the body opens with that place.

    The wire's field wins when the two name different places: it is what the desk filed, while
    the body's first words may only look like a place. A field that repeats the byline is a CMS
    that put the author where the place belongs, not a dateline.
    """
    wire = from_wire_field(wire_field)
    if wire and byline and _names_the_author(wire, byline):
        wire = None
    body = extract(body_text) if body_text.strip() else None
    if body and (wire is None or same_place(body, wire)):
        return body
    return wire


def _names_the_author(place: str, byline: str) -> bool:
    """A CMS put the author in the place field: located "Aaron J. Staples", byline "Aaron J.
    Staples, Michigan State University". One word may well begin a name ("Sydney Smith")."""
    words = byline.split()
    if words and words[0].casefold() in _BY:
        words = words[1:]
    return len(place.split()) > 1 and " ".join(words).casefold().startswith(place.casefold())


def same_place(one: str, other: str) -> bool:
    """One place spelt twice: "GROSSETO" and "Grossetto", "Frankfurt" and "Frankfurt/Main"."""
    a, b = one.casefold(), other.casefold()
    if a.startswith(b) or b.startswith(a):
        return True
    return SequenceMatcher(None, a, b).ratio() >= 0.8
