"""Wire-format parsers: bytes in, canonical `Article`s (or a per-item `ParseError`) out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from shared.errors import ParseError, UnsupportedFormatError
from shared.models import Article

from . import (
    anpa,
    canonical,
    feeds,
    html_page,
    iptc7901,
    newsml1,
    newsml_g2,
    ninjs,
    nitf,
    text_page,
)
from .assembly import Context, Outcome
from .charset import charset_from_content_type
from .detect import FORMATS, check_declared, from_content_type, sniff

__all__ = ["FORMATS", "ParsedItem", "detect_format", "parse_bytes"]

_PARSERS: dict[str, Callable[[bytes, Context], list[Outcome]]] = {
    "ninjs": ninjs.parse,
    "newsml-g2": newsml_g2.parse,
    "nitf": nitf.parse,
    "newsml-1": newsml1.parse,
    "anpa": anpa.parse,
    "iptc7901": iptc7901.parse,
    "rss": feeds.parse,
    "atom": feeds.parse,
    "html": html_page.parse,
    "text": text_page.parse,
    "json": canonical.parse,
}


# What malformed input can make library code raise; a bug of ours surfaces the same way, so the
# message names the exception type.
_POISON = (
    ValueError, TypeError, LookupError, AttributeError, ArithmeticError, RuntimeError,
    etree.LxmlError,
)  # fmt: skip


@dataclass(frozen=True)
class ParsedItem:
    """One item of a document: its article, or the error that refused it (never both)."""

    format: str
    article: Article | None = None
    error: ParseError | None = None

    @property
    def ok(self) -> bool:
        return self.article is not None


def detect_format(
    data: bytes, *, filename: str | None = None, content_type: str | None = None
) -> str:
    """The content type decides when it names a format; otherwise the bytes do, and must
    be what a generic type (application/xml, application/json) says they are."""
    named = from_content_type(content_type)
    if named:
        return named
    kind = sniff(data, filename)
    check_declared(content_type, kind)
    return kind


def parse_bytes(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    fmt: str | None = None,
    now: datetime | None = None,
) -> list[ParsedItem]:
    """Every item of a document; raises ParseError when the document cannot be read at all."""
    if fmt is not None and fmt not in _PARSERS:
        raise UnsupportedFormatError(
            f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}"
        )
    if not data.strip():
        raise ParseError("empty document")
    kind = fmt or detect_format(data, filename=filename, content_type=content_type)
    ctx = Context(
        now=now or datetime.now(UTC),
        charset=charset_from_content_type(content_type),
        filename=filename,
    )
    try:
        outcomes = _PARSERS[kind](data, ctx)
    except ParseError:
        raise
    except _POISON as exc:
        # Poison input must end as a permanent error (dead-lettered), never crash a consumer.
        raise ParseError(f"unreadable {kind} document: {type(exc).__name__}: {exc}") from exc
    return [
        ParsedItem(kind, article=o) if isinstance(o, Article) else ParsedItem(kind, error=o)
        for o in outcomes
    ]
