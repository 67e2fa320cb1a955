"""Bytes to text: honour the declared charset, and recover the wire's usual mislabelling."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte charsets that wires declare while actually sending UTF-8.
_LEGACY = {"latin-1", "iso8859-1", "cp1252", "iso8859-15", "ascii"}
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_HANDLER = "newsdesk-cp1252"
_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode an invalid UTF-8 run as Windows-1252: raw Latin-1 bytes inside UTF-8 text."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return bad.decode("cp1252", errors="replace").replace("\ufffd", ""), exc.end


codecs.register_error(_HANDLER, _cp1252_fallback)


def canonical_codec(name: str | None) -> str | None:
    """Python's codec name for a declared charset, or None when it names no known codec."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CT_CHARSET.search(content_type)
    return match.group(1) if match else None


def declared_charset(data: bytes, *, html: bool = False) -> str | None:
    """The charset the document says it is in (XML declaration, or HTML meta for pages)."""
    match = _XML_DECL.match(data[:512])
    if match:
        return match.group(1).decode("ascii")
    if html:
        meta = _META_CHARSET.search(data[:4096])
        if meta:
            return meta.group(1).decode("ascii")
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess(data: bytes) -> str:
    """Isolated stray bytes are Latin-1 inside UTF-8 (the wire classic); long runs get detected."""
    residual = _UTF8_SEQ.sub(b"\x00", data)
    runs = _HIGH_RUN.findall(residual)
    if not runs or sum(map(len, runs)) <= 1.5 * len(runs):
        return data.decode("utf-8", errors=_HANDLER)
    best = from_bytes(data[:65536]).best()
    codec = canonical_codec(best.encoding) if best else None
    if codec and codec != "utf-8":
        return data.decode(codec, errors="replace")
    return data.decode("utf-8", errors=_HANDLER)


def decode(data: bytes, declared: str | None = None) -> str:
    """Text of `data`: BOM first, then the declared charset unless the bytes contradict it."""
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return data.decode(bom_codec, errors="replace")
    if data.isascii():
        return data.decode("ascii")
    codec = canonical_codec(declared)
    if codec in _LEGACY and _is_utf8(data):
        # Valid multi-byte UTF-8 is vanishingly unlikely in real Latin-1 text: the label lies.
        return data.decode("utf-8")
    if codec and codec != "utf-8":
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            return _guess(data)
    if _is_utf8(data):
        return data.decode("utf-8")
    return _guess(data)
