"""Safe XML parsing: no DTD loading, no entity declarations, no network, no huge trees."""

from __future__ import annotations

import html.entities
import re

from lxml import etree

from shared.errors import ParseError

from .charset import declared_charset, decode

_PROLOG_ITEM = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.DOTALL | re.IGNORECASE
)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.:-]*)")
_NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_HEAD_CHARS = 65536


def _parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers are not thread-safe and keep per-parse state.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
        encoding="utf-8",
    )


def prolog(text: str) -> tuple[str, int]:
    """The prolog's DOCTYPE text (or "") and the offset where the root element starts."""
    pos, doctype = 0, ""
    while True:
        match = _PROLOG_ITEM.match(text, pos)
        if not match:
            return doctype, pos
        if match.group(0).lstrip()[:9].upper() == "<!DOCTYPE":
            doctype = match.group(0)
        pos = match.end()


def root_name(text: str) -> str | None:
    """Local name of the root element, read without building a tree (for format sniffing)."""
    _, pos = prolog(text[:_HEAD_CHARS])
    match = _ROOT.match(text, pos)
    if not match:
        return None
    return match.group(1).rsplit(":", 1)[-1]


def _numeric_entities(text: str) -> str:
    """HTML named entities (&nbsp;) that wires put in XML become character references."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        code = html.entities.name2codepoint.get(name)
        if name in _XML_ENTITIES or code is None:
            return match.group(0)
        return f"&#{code};"

    return _NAMED_ENTITY.sub(repl, text)


def parse_xml(data: bytes | str, *, charset: str | None = None) -> etree._Element:
    """Root element of a wire XML document, with namespaces stripped to local names."""
    text = data if isinstance(data, str) else decode(data, charset or declared_charset(data))
    text = text.lstrip("\ufeff")
    doctype, _ = prolog(text[:_HEAD_CHARS])
    if "<!ENTITY" in doctype.upper():
        raise ParseError("XML declares entities in its DTD; refused (no entity expansion)")
    try:
        root = _fromstring(text)
    except etree.XMLSyntaxError as exc:
        if "Entity" not in str(exc):
            raise ParseError(f"not well-formed XML: {exc}") from exc
        try:
            root = _fromstring(_numeric_entities(text))
        except etree.XMLSyntaxError as again:
            raise ParseError(f"not well-formed XML: {again}") from again
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.entities()):
        raise ParseError("XML declares entities in its DTD; refused (no entity expansion)")
    strip_namespaces(root)
    return root


def _fromstring(text: str) -> etree._Element:
    root = etree.fromstring(text.encode("utf-8"), _parser())
    if root is None:
        raise ParseError("empty XML document")
    return root


def strip_namespaces(root: etree._Element) -> None:
    """Wires bind the same vocabulary to many prefixes (ns0:, none, wrong URIs): match on names."""
    for el in root.iter():
        tag = el.tag
        if isinstance(tag, str) and tag[:1] == "{":
            el.tag = tag.split("}", 1)[1]
        for key in [k for k in el.attrib if k[:1] == "{"]:
            value = el.attrib.pop(key)
            local = key.split("}", 1)[1]
            if local not in el.attrib:
                el.set(local, value)
    etree.cleanup_namespaces(root)
