"""ANPA 1312: AP's binary wire text (SOH header, STX text, ETX trailer) as one article."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from shared.errors import ParseError

from .assembly import Context, Draft, Outcome, assemble, derived_guid, subject
from .charset import decode

_HEADER = re.compile(
    r"^(?P<prio>[a-z])\s(?P<cat>[a-z])(?P<fmt>[\x11-\x14]{2})\s*(?P<slug>\S+)(?P<take>.*?)"
    r"\s+(?P<date>\d{1,2}-\d{1,2})\s*(?P<words>\d{0,4})\s*$",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"(\d{2})-(\d{2})-(\d{2}) (\d{2})(\d{2})GMT")
_LEAD = re.compile(r"(\d+)\s*(?:st|nd|rd|th)\s*Ld", re.IGNORECASE)
_META = re.compile(
    r"^(AP Photos?|Eds?:|Editor'?s Note|With AP Photo|Associated Press$|AP \w+ Writers?$)",
    re.IGNORECASE,
)
_PRIORITY = {"f": 1, "b": 2, "u": 3, "r": 5, "d": 6, "a": 6, "s": 5}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CELL = re.compile(r"[\x1e\x1f]+\s*")
_RULE = re.compile(r"^[\s_=\-]*$")


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    text = decode(data, ctx.charset)
    start, stx, etx = text.find("\x01"), text.find("\x02"), text.rfind("\x03")
    if start < 0 or stx < 0:
        raise ParseError("not ANPA 1312: no SOH/STX framing")
    header_lines = text[start + 1 : stx].replace("\r", "").split("\n")
    header = _HEADER.match(header_lines[1].strip("\x16 ")) if len(header_lines) > 1 else None
    body = text[stx + 1 : etx if etx > stx else len(text)]
    trailer = _TRAILER.search(text[etx:]) if etx > 0 else None
    try:
        return [assemble(_draft(header, body, trailer), ctx)]
    except ParseError as exc:
        return [exc]


def _draft(header: re.Match[str] | None, body: str, trailer: re.Match[str] | None) -> Draft:
    out = Draft(kind="anpa")
    lines = [ln.rstrip() for ln in body.replace("\r", "").split("\n")]
    marked = [_clean(ln[1:]) for ln in lines if ln.startswith("^")]
    tabular = bool(header and header.group("fmt") in ("\x12\x14", "\x14\x12", "\x14\x11"))
    meta = [ln for ln in marked[1:] if ln]
    out.headline = next((ln for ln in meta if not _META.match(ln) and not _is_by(ln)), "")
    out.byline = next((ln for ln in meta if _is_by(ln)), None)
    paragraphs = [_clean(ln) for ln in lines if ln.startswith("\t")]
    extra = [ln for ln in meta if ln != out.headline and ln != out.byline and not _META.match(ln)]
    if tabular:
        paragraphs = extra + [_clean(ln) for ln in lines if ln.startswith(("\t", "\x08"))]
    elif not any(paragraphs):
        paragraphs = extra
    out.paragraphs = [p for p in paragraphs if p and not _RULE.match(p)]
    if trailer:
        mm, dd, yy, hh, mi = (int(g) for g in trailer.groups())
        # The only full time ANPA carries: when the wire created and sent this take.
        sent = datetime(2000 + yy, mm, dd, hh, mi, tzinfo=UTC)
        out.firstcreated = out.versioncreated = out.published_at = sent
    if header:
        _header_fields(out, header)
    return out


def _is_by(line: str) -> bool:
    return line.lower().startswith("by ")


def _clean(line: str) -> str:
    """ANPA marks line ends with < and =, and spaces/tabs in tables with control bytes."""
    line = _CONTROL.sub("", _CELL.sub("\t", line.replace("\x10", " ")))
    return line.strip().rstrip("<=").strip()


def _header_fields(out: Draft, header: re.Match[str]) -> None:
    slug, take = header.group("slug"), header.group("take").strip()
    lead = _LEAD.search(take)
    out.version = int(lead.group(1)) + 1 if lead else (2 if "writethru" in take.lower() else 1)
    out.urgency = _PRIORITY.get(header.group("prio").lower())
    category = subject(f"a1312cat:{header.group('cat').lower()}")
    out.subjects = [category] if category else []
    year = out.published_at.year if out.published_at else 0
    out.guid = derived_guid("anpa", slug, header.group("date"), str(year))
