"""Which wire format a document is in: from its content type, else by sniffing its bytes."""

from __future__ import annotations

import re
from typing import Any

import orjson

from shared.errors import ParseError, UnsupportedFormatError

from .xml_safety import root_name

FORMATS = (
    "ninjs", "newsml-g2", "nitf", "newsml-1", "anpa", "iptc7901", "rss", "atom", "html", "text",
    "json",
)  # fmt: skip
_BY_CONTENT_TYPE = {
    "application/ninjs+json": "ninjs",
    "application/vnd.iptc.g2.newsitem+xml": "newsml-g2",
    "application/vnd.iptc.g2.newsmessage+xml": "newsml-g2",
    "application/vnd.iptc.g2.packageitem+xml": "newsml-g2",
    "application/nitf+xml": "nitf",
    "application/rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
_SNIFFED_TYPES = frozenset(
    {"application/json", "text/json", "application/xml", "text/xml", "text/plain",
     "application/octet-stream", ""}
)  # fmt: skip
_XML_ROOTS = {
    "nitf": "nitf", "newsItem": "newsml-g2", "newsMessage": "newsml-g2",
    "packageItem": "newsml-g2", "conceptItem": "newsml-g2", "knowledgeItem": "newsml-g2",
    "planningItem": "newsml-g2", "NewsML": "newsml-1", "rss": "rss", "RDF": "rss",
    "feed": "atom", "html": "html",
}  # fmt: skip
_NINJS_KEYS = frozenset(
    {"uri", "standard", "headlines", "bodies", "versioncreated", "associations", "located",
     "body_xhtml", "description_text", "type", "profile", "by", "renditions"}
)  # fmt: skip
# What a generic content type promises about the bytes; sniffing then picks the format.
_XML_KINDS = frozenset({"newsml-g2", "nitf", "newsml-1", "rss", "atom", "html"})
_JSON_KINDS = frozenset({"ninjs", "json"})
_ANPA = re.compile(rb"^\x16*\x01[A-Za-z]?\d{3,4}\x1f")
_IPTC7901 = re.compile(rb"^\x01[A-Za-z]{2,4}\d{1,6}\s+\d\s+[A-Za-z]{1,3}\s+\d+")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def from_content_type(content_type: str | None) -> str | None:
    """The format a content type names; None when the bytes must decide (JSON, XML, text)."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in _BY_CONTENT_TYPE:
        return _BY_CONTENT_TYPE[mime]
    if mime in _SNIFFED_TYPES or mime.endswith(("+xml", "+json")):
        return None
    raise UnsupportedFormatError(f"content type {mime!r} is not a format ingest reads")


def check_declared(content_type: str | None, kind: str) -> None:
    """A body sent as XML or JSON must read as such: a producer whose XML came out as plain
    text (a truncated file, an error page) gets told so, instead of a text article made of it.
    text/plain and application/octet-stream promise nothing and take whatever is sniffed."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in ("application/xml", "text/xml") or mime.endswith("+xml"):
        family, kinds = "XML", _XML_KINDS
    elif mime in ("application/json", "text/json") or mime.endswith("+json"):
        family, kinds = "JSON", _JSON_KINDS
    else:
        return
    if kind not in kinds:
        reason = f"says {mime}, but the body is not {family} (it reads as {kind})"
        raise ParseError(reason, field="content-type")


def sniff(data: bytes, filename: str | None = None) -> str:
    """The format of raw bytes: control framing, JSON, an XML root element, else plain text."""
    head = data[:4096]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
    if _ANPA.match(head):
        return "anpa"
    if _IPTC7901.match(head) or head.startswith(b"\x01"):
        return "iptc7901"
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"["):
        return _json_kind(data)
    if stripped[:1] == b"<":
        return _xml_kind(head.decode("utf-8", errors="replace"))
    if filename and filename.lower().endswith((".html", ".htm")):
        return "html"
    return "text"


def _xml_kind(head: str) -> str:
    name = root_name(head.lstrip("\ufeff"))
    if name is None:
        if re.search(r"<!DOCTYPE\s+html", head, re.IGNORECASE):
            return "html"
        raise UnsupportedFormatError("markup without a recognisable root element")
    kind = _XML_ROOTS.get(name) or _XML_ROOTS.get(name.lower())
    if kind is None and name.lower() in ("head", "body", "div", "article", "p"):
        return "html"
    if kind is None:
        raise UnsupportedFormatError(f"unknown XML document type: root element <{name}>")
    return kind


def _json_kind(data: bytes) -> str:
    """ninjs when any ninjs-only key shows up; otherwise the canonical article JSON."""
    try:
        doc: Any = orjson.loads(data.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return "json"
    sample = doc
    if isinstance(sample, dict):
        for key in ("item", "items", "_items", "data", "results", "articles"):
            if isinstance(sample.get(key), list) and sample[key]:
                sample = sample[key]
                break
    if isinstance(sample, list):
        sample = sample[0] if sample else {}
    keys = {str(k).lower() for k in sample} if isinstance(sample, dict) else set()
    return "ninjs" if keys & _NINJS_KEYS else "json"
