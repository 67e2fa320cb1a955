"""Dateline (place and agency) from the opening of a body, in the conventions wires use."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DASH = r"(?:—|–|--|-|―|_)"  # old AP copy writes "(AP) _"
_AGENCY = r"\((?P<agency>[A-Za-zÀ-ÿ][\w .&/\-]{0,24})\)"
# "SAN FRANCISCO —", "TAIPEI, Taiwan (AP) —", "WEST PALM BEACH, Fla. —",
# "MOSCOW, Monday (Reuters) -"
_UPPER = re.compile(
    rf"^(?P<place>[A-ZÀ-ÞĀ-Ž][A-ZÀ-ÞĀ-Ž.'’\- ]*[A-ZÀ-ÞĀ-Ž.])"
    rf"(?:,\s*(?P<rest>[^—–\n()]{{1,40}}?))?\s*(?:{_AGENCY})?\s*{_DASH}\s"
)
# "Frankfurt/Main (dpa) -", "Berlin (dpa) –": mixed case needs the agency to be sure
_MIXED_AGENCY = re.compile(
    rf"^(?P<place>[A-ZÀ-Þ][\w./’' \-]{{1,40}}?)(?:,\s*(?P<rest>[^—–\n()]{{1,30}}?))?\s*"
    rf"{_AGENCY}\s*(?:{_DASH}|:)\s*"
)
# "Kyiv — ...": a short capitalised place name then a spaced dash
_MIXED_DASH = re.compile(r"^(?P<place>[A-ZÀ-Þ][\w’'.\-]+(?: [A-ZÀ-Þ][\w’'.\-]+){0,3})\s+[—–]\s")
_JA = re.compile(r"^\s*【(?P<place>[^】=＝]{1,12})(?:[=＝](?P<agency>[^】]{1,12}))?】")
_ZH = re.compile(
    r"^\s*(?P<agency>新华社|新華社|中新社|中新网|本报|本報|人民网|央视网)(?:记者)?"
    r"(?P<place>[\u4e00-\u9fff]{2,8}?)\s*(?:\d{1,2}月\d{1,2}日)?(?:电|電)"
)
_KO = re.compile(r"^\s*[(（]?(?P<place>[가-힣]{2,8})[=＝](?P<agency>[가-힣A-Za-z0-9]{2,12})[)）]?")
_CJK_DASH = re.compile(r"^\s*(?P<place>[\u4e00-\u9fff\u3040-\u30ff가-힣]{1,8})\s*[—–―]\s*")
_NOT_PLACE = re.compile(
    r"^(?:EDITORS?|UPDATE|CORRECTION|KILL|WITHDRAWN|BULLETIN|URGENT|NOTE|FILE|PHOTO|By)\b"
)


@dataclass(frozen=True)
class Dateline:
    place: str
    agency: str | None
    start: int
    end: int  # where the dateline (with its dash) ends: the story starts here


def find_dateline(body: str) -> Dateline | None:
    """The dateline that opens `body`, with the state or country after a comma left out."""
    head = body.lstrip()
    offset = len(body) - len(head)
    for pattern in (_JA, _ZH, _KO, _CJK_DASH, _UPPER, _MIXED_AGENCY, _MIXED_DASH):
        match = pattern.match(head)
        if match is None:
            continue
        place = match.group("place").strip().rstrip(",")
        if not place or _NOT_PLACE.match(place) or len(place.split()) > 5:
            continue
        agency = match.groupdict().get("agency")
        if match.re is _ZH and agency in {"本报", "本報"}:
            agency = None
        start = offset + match.start("place")
        return Dateline(place, agency.strip() if agency else None, start, offset + match.end())
    return None
