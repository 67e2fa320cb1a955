"""Fields read off a wire item, turned into a validated canonical `Article`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from shared.errors import ParseError
from shared.models import Article, Image, Subject

from . import datelines
from .related import without_related
from .sanitize import clean_line, paragraphs_to_html, sanitize_html

Outcome = Article | ParseError
PUBSTATUSES = ("usable", "withheld", "canceled")
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_IPTC_URI = re.compile(r"^https?://cv\.iptc\.org/newscodes/(\w+)/(\w+)/?$")
_URI_SCHEMES = {"mediatopic": "medtop", "subjectcode": "subj", "genre": "genre"}


@dataclass(frozen=True)
class Context:
    """What a parser needs besides the bytes: the declared charset and the current time."""

    now: datetime
    charset: str | None = None
    filename: str | None = None


@dataclass
class Draft:
    """An article while a parser fills it in; `assemble` validates and normalises it."""

    guid: str | None = None
    version: int | None = None
    pubstatus: str = "usable"
    urgency: int | None = None
    headline: str = ""
    subheadline: str | None = None
    byline: str | None = None
    dateline: str | None = None
    wire_dateline: str | None = None
    language: str | None = None
    section: str | None = None
    url: str | None = None
    firstcreated: datetime | None = None
    versioncreated: datetime | None = None
    published_at: datetime | None = None
    embargoed: datetime | None = None
    paragraphs: list[str] = field(default_factory=list)
    body_html: str | None = None
    subjects: list[Subject] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    kind: str = "item"


def to_int(value: object) -> int | None:
    """Wire numbers arrive as ints, digit strings ("04") or junk; junk reads as absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        try:
            return int(value.strip())
        except ValueError:  # past Python's digit limit: not a number any wire means
            return None
    return None


def language(tag: str | None) -> str | None:
    """Primary subtag, lower case ("en-GB" -> "en"); "x-default" and junk read as absent."""
    match = _LANG.match((tag or "").strip())
    if not match or match.group(1).lower() in ("und", "mul", "zxx"):
        return None
    return match.group(1).lower()


def pubstatus(value: str | None, *, field_name: str = "pubstatus") -> str:
    """Only the three statuses ninjs and NewsML-G2 define; anything else is refused, not guessed.

    A misspelt kill ("cancelled") read as "usable" would publish a killed story, and read as
    "canceled" would let a typo kill one: both are worse than telling the producer.
    """
    if value is None or not value.strip():
        return "usable"
    status = re.split(r"[:/]", value.strip())[-1].lower()
    if status == "embargoed":
        return "withheld"
    if status not in PUBSTATUSES:
        hint = " (did you mean 'canceled'?)" if status == "cancelled" else ""
        raise ParseError(f"unknown pubstatus {value!r}{hint}", field=field_name)
    return status


def subject(code: str | None, name: str | None = None, scheme: str | None = None) -> Subject | None:
    """A wire subject with IPTC codes spelt as qcodes ("medtop:04000000", "subj:01000000")."""
    raw = (code or "").strip()
    if not raw:
        return None
    uri = _IPTC_URI.match(raw)
    if uri:
        prefix = _URI_SCHEMES.get(uri.group(1), uri.group(1))
        raw, scheme = f"{prefix}:{uri.group(2)}", prefix
    elif raw.isdigit() and len(raw) == 8:
        raw, scheme = f"subj:{raw}", scheme or "subj"
    elif ":" in raw and not raw.startswith("http") and scheme is None:
        scheme = raw.split(":", 1)[0]
    return Subject(code=raw, name=clean_line(name) or None, scheme=scheme)


def derived_guid(kind: str, *parts: str) -> str:
    """A stable id for items whose wire has none: the same content always gets the same guid."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"urn:newsdesk:{kind}:{digest}"


def _unique(values: list[str]) -> list[str]:
    """Keywords once each, first spelling kept ("DFB" and "dfb" are one keyword)."""
    seen: dict[str, str] = {}
    for value in values:
        text = clean_line(value)
        if text:
            seen.setdefault(text.casefold(), text)
    return list(seen.values())


def validation_error(exc: ValidationError) -> ParseError:
    """The first problem pydantic found, as the project's error with the field it names."""
    err = exc.errors()[0]
    return ParseError(err["msg"], field=".".join(str(p) for p in err["loc"]) or None)


def _status(draft: Draft, now: datetime) -> str:
    """An embargo still running at `now` withholds an otherwise usable item."""
    if draft.pubstatus == "usable" and draft.embargoed and draft.embargoed > now:
        return "withheld"
    return draft.pubstatus


def assemble(draft: Draft, ctx: Context) -> Outcome:
    """The validated article, or a ParseError naming the field that made it invalid."""
    headline = clean_line(draft.headline)
    # "Leia também: …" names another story: its words must not reach the taggers.
    paragraphs = without_related([p for p in (p.strip() for p in draft.paragraphs) if p])
    body_text = "\n\n".join(paragraphs)
    published = draft.published_at or draft.versioncreated or draft.firstcreated
    status = _status(draft, ctx.now)
    if status == "usable" and not headline and not body_text:
        # Only a kill may be bare: anything else with no headline and no text is no article.
        return ParseError("item has neither a headline nor any text", field="headline")
    stamp = published.isoformat() if published else ""
    guid = (draft.guid or "").strip() or derived_guid(draft.kind, headline, stamp, body_text[:500])
    html = sanitize_html(draft.body_html) if draft.body_html else ""
    urgency = draft.urgency if draft.urgency is not None and 0 <= draft.urgency <= 9 else None
    try:
        return Article(
            guid=guid,
            version=draft.version if draft.version is not None else 1,
            pubstatus=status,
            urgency=urgency,
            headline=headline,
            subheadline=clean_line(draft.subheadline) or None,
            byline=clean_line(draft.byline) or None,
            dateline=draft.dateline
            or datelines.choose(draft.wire_dateline, body_text, byline=draft.byline),
            language=language(draft.language),
            section=clean_line(draft.section) or None,
            url=(draft.url or "").strip() or None,
            firstcreated=draft.firstcreated,
            versioncreated=draft.versioncreated,
            published_at=published,
            body_text=body_text,
            body_html=html or paragraphs_to_html(paragraphs) or None,
            subjects=list({(s.code, s.scheme): s for s in draft.subjects}.values()),
            keywords=_unique(draft.keywords),
            images=draft.images,
        )
    except ValidationError as exc:
        return validation_error(exc)
