"""ninjs 1.x/2.x/3.x (IPTC) and Superdesk's dialect: one article per ninjs object."""

from __future__ import annotations

from typing import Any

import orjson

from shared.errors import ParseError
from shared.models import Image, Subject

from . import assembly
from .assembly import Context, Draft, Outcome, assemble, subject, to_int
from .charset import decode
from .sanitize import WIRE_SKIP, html_to_paragraphs
from .timestamps import parse_wire

_ENVELOPES = ("item", "items", "_items", "data", "results", "articles")
_MEDIA_TYPES = ("picture", "graphic", "video", "audio")
_CAPTION_ROLES = ("caption", "text", "summary", "description")


def load(data: bytes, charset: str | None = None) -> Any:
    try:
        return orjson.loads(decode(data, charset).lstrip("\ufeff"))
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"not valid JSON: {exc}") from exc


def items(doc: Any) -> list[Any]:
    """The ninjs objects of a document: one object, a list, or an API list envelope."""
    if isinstance(doc, dict):
        for key in _ENVELOPES:
            inner = doc.get(key)
            if isinstance(inner, list) and not ({"uri", "guid"} & doc.keys()):
                return inner
        return [doc]
    if isinstance(doc, list):
        return doc
    raise ParseError(f"expected a JSON object or list, got {type(doc).__name__}")


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    found = items(load(data, ctx.charset))
    if not found:
        raise ParseError("the JSON list holds no items")
    return [_outcome(obj, ctx) for obj in found]


def _outcome(obj: Any, ctx: Context) -> Outcome:
    if not isinstance(obj, dict):
        return ParseError(f"expected a ninjs object, got {type(obj).__name__}")
    try:
        return assemble(_draft(_lower(obj)), ctx)
    except ParseError as exc:
        return exc


def _lower(obj: dict[str, Any]) -> dict[str, Any]:
    """ninjs 3 spells keys in camelCase ("versionCreated"), 1.x/2.x in lower case."""
    return {str(k).lower(): v for k, v in obj.items()}


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _draft(item: dict[str, Any]) -> Draft:
    draft = Draft(kind="ninjs")
    draft.guid = _text(item.get("uri")) or _text(item.get("guid")) or _text(item.get("id"))
    draft.version = to_int(item.get("version"))
    draft.pubstatus = assembly.pubstatus(_text(item.get("pubstatus")))
    draft.urgency = to_int(item.get("urgency"))
    draft.headline, draft.subheadline = _headlines(item)
    draft.byline = _text(item.get("by")) or _text(item.get("byline")) or _authors(item)
    draft.wire_dateline = _located(item)
    draft.language = _text(item.get("language"))
    draft.url = _text(item.get("url"))
    draft.firstcreated = parse_wire(_text(item.get("firstcreated")))
    draft.versioncreated = parse_wire(_text(item.get("versioncreated")))
    draft.embargoed = parse_wire(_text(item.get("embargoed")))
    draft.paragraphs, draft.body_html = _body(item)
    subjects = item.get("subjects") or item.get("subject") or []
    draft.subjects = [s for s in map(_subject, _dicts(subjects)) if s]
    keywords = item.get("keywords") or []
    draft.keywords = (
        [k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else []
    )
    draft.images = [img for img in map(_image, _associations(item)) if img]
    if str(item.get("type", "")).lower() in _MEDIA_TYPES:
        self_image = _image(item)
        draft.images = [self_image] if self_image else []
        if not draft.paragraphs and self_image and self_image.caption:
            draft.paragraphs = [self_image.caption]
    return draft


def _dicts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = list(value.values())
    return [_lower(v) for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _headlines(item: dict[str, Any]) -> tuple[str, str | None]:
    main = _text(item.get("headline"))
    sub = None
    for entry in _dicts(item.get("headlines")):
        role = str(entry.get("role", "main")).lower()
        value = _text(entry.get("value"))
        if role in ("main", "") and not main:
            main = value
        elif role in ("sub", "subheadline", "subtitle", "subhead") and not sub:
            sub = value
    if not main:
        first = _dicts(item.get("headlines"))
        main = _text(first[0].get("value")) if first else None
    return main or "", sub


def _located(item: dict[str, Any]) -> str | None:
    """ninjs `located`; dialects send a `dateline` (text or object) or a `datelines` list."""
    for key in ("located", "dateline", "datelines"):
        found = _place_text(item.get(key))
        if found:
            return found
    return None


def _place_text(value: Any) -> str | None:
    """A place as text: a string, or an object's text/city/name (Superdesk nests `located`)."""
    if isinstance(value, list):
        return next((t for t in map(_place_text, value) if t), None)
    if isinstance(value, dict):
        entry = _lower(value)
        keys = ("text", "city", "name", "value", "located")
        return next((t for t in (_place_text(entry.get(k)) for k in keys) if t), None)
    return _text(value)


def _authors(item: dict[str, Any]) -> str | None:
    names = [_text(a.get("name")) for a in _dicts(item.get("authors"))]
    return ", ".join(n for n in names if n) or None


def _body(item: dict[str, Any]) -> tuple[list[str], str | None]:
    """HTML gives the paragraphs when there is any; a plain body, then the summary, fall back."""
    html = _text(item.get("body_html")) or _text(item.get("body_xhtml"))
    plain = _text(item.get("body_text"))
    for body in _dicts(item.get("bodies")):
        ctype = str(body.get("contenttype") or "").lower()
        value = _text(body.get("value"))
        if "html" in ctype and not html:
            html = value
        elif ("text/plain" in ctype or not ctype) and not plain:
            plain = value
    if html:
        return html_to_paragraphs(html, WIRE_SKIP), html
    plain = plain or _text(item.get("description_text")) or _caption(item.get("descriptions"))
    if plain:
        return [p for p in plain.replace("\r", "").split("\n") if p.strip()], None
    return [], None


def _subject(entry: dict[str, Any]) -> Subject | None:
    """IPTC vocabulary URIs win (they become qcodes); then a code, a literal, any other URI."""
    uri = _text(entry.get("uri"))
    code = _text(entry.get("code")) or _text(entry.get("qcode")) or _text(entry.get("literal"))
    if uri and "//cv.iptc.org/" in uri:
        code = uri
    return subject(code or uri, _text(entry.get("name")), _text(entry.get("scheme")))


def _associations(item: dict[str, Any]) -> list[dict[str, Any]]:
    found = _dicts(item.get("associations"))
    return [a for a in found if str(a.get("type", "picture")).lower() in ("picture", "graphic")]


def _image(entry: dict[str, Any]) -> Image | None:
    url, mime = _rendition(entry.get("renditions"))
    caption = _text(entry.get("description_text")) or _caption(entry.get("descriptions"))
    caption = caption or _text(entry.get("body_text")) or _text(entry.get("headline"))
    byline = _text(entry.get("by")) or _text(entry.get("byline"))
    mime = mime or _text(entry.get("mimetype")) or _text(entry.get("mime_type"))
    if not (url or caption):
        return None
    return Image(url=url, caption=caption, byline=byline, mime_type=mime)


def _caption(descriptions: Any) -> str | None:
    entries = _dicts(descriptions)
    for entry in entries:
        if str(entry.get("role", "")).lower() in _CAPTION_ROLES:
            return _text(entry.get("value"))
    return _text(entries[0].get("value")) if entries else None


def _rendition(renditions: Any) -> tuple[str | None, str | None]:
    """The largest rendition: the original is what a page would scale down from."""
    best: tuple[int, str | None, str | None] = (-1, None, None)
    for rend in _dicts(renditions):
        href = _text(rend.get("href"))
        width = to_int(rend.get("width")) or 0
        mime = _text(rend.get("mimetype")) or _text(rend.get("contenttype"))
        if href and width > best[0]:
            best = (width, href, mime)
    return best[1], best[2]
