"""IPTC 7901: the text wire of dpa and others (SOH header, slug, STX headline =, body, ETX)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from shared.errors import ParseError

from .assembly import Context, Draft, Outcome, assemble, derived_guid, subject
from .charset import decode
from .timestamps import MONTHS
from .xmlfields import plain_paragraphs

_HEADER = re.compile(
    r"^(?P<svc>[a-z]{2,4})(?P<num>\d{1,6})\s+(?P<prio>\d)\s+(?P<cat>[a-z]{1,3})\s+(?P<words>\d+)"
    r"(?:\s+(?P<rest>.*))?$",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"(\d{2})(\d{2})(\d{2})\s+(?:GMT\s+)?([A-Za-z]{3})(?:\s+(\d{2,4}))?")
# Handling lines above the headline: they say what this transmission is, not what it says.
_HANDLING = re.compile(
    r"^(?:REFILE|RETRANSMISSION|(?P<n>\d+)(?:ST|ND|RD|TH)\s+LEAD|LEAD|EXTRA|URGENT|FLASH|"
    r"BULLETIN|CORRECTION|CORRECTS?|UPDATE|ADVISORY|WITHDRAWAL|KILL|\(.*\))$",
    re.IGNORECASE,
)
_NOTES = re.compile(
    r"^(?:#|\*(?:\s*\*){2,}$|The following information is not (?:intended )?for publication)",
    re.IGNORECASE,
)
_HEAD_END = re.compile(r"\s=[ \t]*(?:\n|$)")


def _source(rest: str) -> str:
    """The sending service ("dpa", "dpa-tns"): the word before the trailing message number."""
    tokens = rest.split()
    return tokens[-2] if len(tokens) >= 2 else (tokens[0] if tokens else "")


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    text = decode(data, ctx.charset).replace("\r\n", "\n").replace("\r", "\n")
    soh, stx = text.find("\x01"), text.find("\x02")
    if soh < 0 or stx < soh:
        raise ParseError("not IPTC 7901: no SOH/STX framing")
    etx = text.find("\x03", stx)
    head_lines = [ln.strip() for ln in text[soh + 1 : stx].split("\n") if ln.strip()]
    header = _HEADER.match(head_lines[0]) if head_lines else None
    slug = head_lines[1] if len(head_lines) > 1 else ""
    block = text[stx + 1 : etx if etx > 0 else len(text)]
    trailer = _TRAILER.search(text[etx:]) if etx > 0 else None
    try:
        return [assemble(_draft(header, slug, block, trailer, ctx), ctx)]
    except ParseError as exc:
        return [exc]


def _draft(
    header: re.Match[str] | None,
    slug: str,
    block: str,
    trailer: re.Match[str] | None,
    ctx: Context,
) -> Draft:
    out = Draft(kind="iptc7901")
    end = _HEAD_END.search(block)
    head, rest = (block[: end.start()], block[end.end() :]) if end else block.partition("\n")[::2]
    lines = [ln.strip() for ln in head.split("\n") if ln.strip()]
    handling = [ln for ln in lines if _HANDLING.match(ln)]
    out.byline = next((ln for ln in lines if ln.lower().startswith("by ")), None)
    out.headline = " ".join(ln for ln in lines if ln not in handling and ln != out.byline)
    leads = [int(m.group("n")) for m in map(_HANDLING.match, handling) if m and m.group("n")]
    out.version = max(leads) + 1 if leads else 1
    paragraphs = plain_paragraphs(rest)
    cut = next((i for i, p in enumerate(paragraphs) if _NOTES.match(p)), len(paragraphs))
    out.paragraphs = paragraphs[:cut]
    # The trailer's time of origin is the only time 7901 carries: creation and this version.
    out.firstcreated = out.versioncreated = out.published_at = _sent(trailer, ctx)
    source = ""
    if header:
        out.urgency = int(header.group("prio"))
        category = subject(f"iptc7901cat:{header.group('cat').lower()}")
        out.subjects = [category] if category else []
        source = _source(header.group("rest") or "")
    day = out.published_at.date().isoformat() if out.published_at else ""
    out.guid = derived_guid("iptc7901", source, slug.strip("/ "), day)
    return out


def _sent(trailer: re.Match[str] | None, ctx: Context) -> datetime | None:
    """DDHHMM GMT Mon [YY]: without a year, the latest one that is not in the future."""
    if not trailer:
        return None
    day, hour, minute, mon, year = trailer.groups()
    month = MONTHS.get(mon.lower())
    if not month:
        return None
    full_year = (2000 + int(year) if len(year) == 2 else int(year)) if year else ctx.now.year
    try:
        sent = datetime(full_year, month, int(day), int(hour), int(minute), tzinfo=UTC)
    except ValueError:
        return None
    if not year and sent > ctx.now:
        sent = sent.replace(year=full_year - 1)
    return sent
