"""Wire timestamps and the human time lines of pages, always returned tz-aware in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# Abbreviations as pages print them. Ambiguous ones take their most common news meaning:
# CST is US Central (not China), IST is India, AST is Atlantic.
ZONE_HOURS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "WET": 0, "WEST": 1, "BST": 1, "IST": 5.5,
    "CET": 1, "CEST": 2, "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3, "TRT": 3,
    "SAST": 2, "WAT": 1, "CAT": 2, "EAT": 3, "GST": 4, "PKT": 5, "ICT": 7, "WIB": 7,
    "SGT": 8, "HKT": 8, "PHT": 8, "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5, "ACDT": 10.5,
    "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "HST": -10, "AKST": -9, "AKDT": -8,
    "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5, "EST": -5, "EDT": -4,
    "AST": -4, "ADT": -3, "NST": -3.5, "BRT": -3, "ART": -3, "CLT": -4,
}  # fmt: skip
_US_ZONES = frozenset({"EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "HST"})
_MONTH_NAMES = (
    "january february march april may june july august september october november december",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "januari februari maart april mei juni juli augustus september oktober november december",
)
MONTHS: dict[str, int] = {}
for _row in _MONTH_NAMES:
    for _num, _name in enumerate(_row.split(), start=1):
        MONTHS.setdefault(_name, _num)
        MONTHS.setdefault(_name[:3], _num)
        MONTHS.setdefault(_name[:4], _num)
MONTHS.update({"sept": 9, "set": 9, "jän": 1, "dic": 12, "dez": 12, "juil": 7, "févr": 2})

_MON = r"(?P<mon>[^\W\d_]{3,10})\.?"
_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*[-/.年년]\s*(?P<m>\d{1,2})\s*[-/.月월]\s*(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})(?!\d)"),
    re.compile(rf"{_MON}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)"),
    re.compile(
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?{_MON},?\s+(?:de\s+)?"
        r"(?P<y>\d{4})(?!\d)"
    ),
    re.compile(rf"{_MON}\s+(?P<d>\d{{1,2}})(?!\d)"),
)
_TIME = re.compile(
    r"(?P<pre>午前|午後|오전|오후)?\s*(?<![\d.:])(?P<h>\d{1,2})\s*(?::|時|시|h(?=\d))\s*"
    r"(?P<mi>\d{2})(?:\s*:\s*(?P<s>\d{2}))?\s*(?:分|분)?"
    r"(?:\s*(?P<ap>[ap])\.?\s?m\b\.?)?",
    re.IGNORECASE,
)
_OFFSET = re.compile(
    r"(?:\b(?:UTC|GMT)\s*(?P<s1>[+-])\s*(?P<h1>\d{1,2})(?::?(?P<m1>\d{2}))?)"
    r"|(?:(?<![A-Za-z])(?P<s2>[+-])(?P<h2>\d{2}):?(?P<m2>\d{2})\b)"
)
_WORD = re.compile(r"[^\W\d_]+")
_MERIDIEM = frozenset({"a", "p", "m", "am", "pm"})
_LOCAL_HOURS = {"ja": 9, "ko": 9, "zh": 8}
_ZONE_CST = re.compile(r"(?<![A-Za-z])CST\b")
# US zones printed without standard/daylight: the offset depends on the date.
_US_GENERIC = {"ET": -5, "CT": -6, "MT": -7, "PT": -8}
_ZONE = re.compile(
    r"(?<![A-Za-z])("
    + "|".join(sorted([*ZONE_HOURS, *_US_GENERIC], key=len, reverse=True))
    + r")\b"
)


_ZONE_WORDS = frozenset({*ZONE_HOURS, *_US_GENERIC})


def to_utc(value: datetime) -> datetime:
    """Naive wire times carry no zone; UTC is the only assumption that is never silently local."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_wire(value: str | None) -> datetime | None:
    """A machine timestamp (ISO 8601 in any of its wire spellings, RFC 822) in UTC."""
    text = " ".join((value or "").split())
    if not text:
        return None
    try:
        return to_utc(datetime.fromisoformat(text.replace(" Z", "Z")))
    except (ValueError, OverflowError):
        pass
    try:
        return to_utc(parsedate_to_datetime(text))
    except (ValueError, TypeError, IndexError, OverflowError):
        pass
    return parse_time_line(text)


@dataclass(frozen=True)
class _Date:
    year: int | None
    month: int
    day: int
    span: tuple[int, int]


def _find_date(text: str, month_first: bool) -> _Date | None:
    for index, pattern in enumerate(_DATE_PATTERNS):
        for match in pattern.finditer(text):
            found = _date_from(match, index, month_first)
            if found:
                return found
    return None


def _date_from(match: re.Match[str], index: int, month_first: bool) -> _Date | None:
    groups = match.groupdict()
    year = int(groups["y"]) if groups.get("y") else None
    if year is not None and len(groups["y"]) == 2:
        year += 2000
    if index == 1:
        first, second = int(groups["a"]), int(groups["b"])
        day, month = (second, first) if (month_first or second > 12) else (first, second)
    elif groups.get("mon"):
        month = MONTHS.get(groups["mon"].lower(), 0)
        day = int(groups["d"])
    else:
        month, day = int(groups["m"]), int(groups["d"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return _Date(year, month, day, match.span())


def _us_daylight(month: int, day: int, year: int) -> bool:
    """US daylight time: second Sunday of March to the first Sunday of November."""
    start = 14 - (datetime(year, 3, 1).weekday() + 1) % 7
    end = 7 - (datetime(year, 11, 1).weekday() + 1) % 7
    return (month, day) >= (3, start) and (month, day) < (11, end)


def _offset(text: str, date: _Date, year: int) -> timedelta | None:
    match = _OFFSET.search(text)
    if match and match.group("s1"):
        sign, hours, minutes = match.group("s1"), match.group("h1"), match.group("m1")
    else:
        zone = _ZONE.search(text)
        if zone and zone.group(1) in _US_GENERIC:
            daylight = _us_daylight(date.month, date.day, year)
            return timedelta(hours=_US_GENERIC[zone.group(1)] + daylight)
        if zone:
            return timedelta(hours=ZONE_HOURS[zone.group(1)])
        if not match:
            return None
        sign, hours, minutes = match.group("s2"), match.group("h2"), match.group("m2")
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -delta if sign == "-" else delta


def _clock(text: str) -> tuple[int, int, int]:
    match = _TIME.search(text)
    if not match:
        return 0, 0, 0
    hour, minute = int(match.group("h")), int(match.group("mi"))
    second = int(match.group("s") or 0)
    pm = (match.group("ap") or "").lower() == "p" or match.group("pre") in ("午後", "오후")
    am = (match.group("ap") or "").lower() == "a" or match.group("pre") in ("午前", "오전")
    if pm and hour < 12:
        hour += 12
    elif am and hour == 12:
        hour = 0
    return hour, minute, second


def parse_time_line(
    line: str, *, now: datetime | None = None, local: str | None = None
) -> datetime | None:
    """A page's time line ("16:05 JST, November 17, 2023", "2024.02.28 14:05 KST") in UTC.

    Several stamps on one line ("Published … | Updated …") give the latest: that is this
    version. A missing zone means UTC, except on Japanese, Korean and Chinese pages (`local`),
    whose countries each keep one zone; a missing year means the latest not in the future.
    """
    parts = [s for s in (_one_stamp(p, now, local) for p in re.split(r"[|•·;]", line)) if s]
    if len(parts) > 1:
        return max(parts)
    return _one_stamp(line, now, local)


def _one_stamp(text: str, now: datetime | None, local: str | None) -> datetime | None:
    zone = _ZONE.search(text)
    month_first = bool(zone and zone.group(1) in _US_ZONES) or bool(
        re.search(r"\d\s*[ap]\.?\s?m\b", text, re.IGNORECASE)
    )
    date = _find_date(text, month_first)
    if date is None:
        return None
    rest = text[: date.span[0]] + " " + text[date.span[1] :]
    hour, minute, second = _clock(rest)
    year = date.year
    if year is None:
        reference = now or datetime.now(UTC)
        year = reference.year
        if (date.month, date.day) > (reference.month, reference.day):
            year -= 1
    offset = _offset(rest, date, year)
    if local in _LOCAL_HOURS and (offset is None or _ZONE_CST.search(rest)):
        offset = timedelta(hours=_LOCAL_HOURS[local])  # "CST" on a Chinese page is UTC+8
    try:
        tz = timezone(offset or timedelta(0))
        return datetime(year, date.month, date.day, hour, minute, second, tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def is_time_line(line: str, *, now: datetime | None = None) -> bool:
    """A short line that is nothing but a date and time ("Updated 6:12 p.m. PST, Dec. 9, 2023")."""
    if len(line) > 80 or parse_time_line(line, now=now) is None:
        return False
    words = [w for w in _WORD.findall(line) if w.lower() not in MONTHS]
    words = [w for w in words if w not in _ZONE_WORDS and w.lower() not in _MERIDIEM]
    return sum(len(w) for w in words) <= 20
