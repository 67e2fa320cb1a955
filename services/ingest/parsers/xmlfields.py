"""Small readers over namespace-stripped wire XML: text, attributes, bodies."""

from __future__ import annotations

from lxml import etree

from .sanitize import WIRE_SKIP, element_paragraphs

BODY_SKIP = WIRE_SKIP
_HTML_NAMES = {"block": "div", "hl1": "h2", "hl2": "h3", "nitf-table": "div"}


def find(el: etree._Element | None, path: str) -> etree._Element | None:
    return el.find(path) if el is not None else None


def text(el: etree._Element | None) -> str | None:
    """All text inside an element, whitespace collapsed; None when empty."""
    if el is None:
        return None
    value = " ".join("".join(el.itertext()).split())
    return value or None


def path_text(el: etree._Element | None, path: str) -> str | None:
    return text(find(el, path))


def attr(el: etree._Element | None, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    return value.strip() or None if value else None


def path_attr(el: etree._Element | None, path: str, name: str) -> str | None:
    return attr(find(el, path), name)


def body(el: etree._Element | None) -> tuple[list[str], str | None]:
    """Paragraphs and markup of a body element (XHTML body, NITF body.content, bare <p>s)."""
    if el is None:
        return [], None
    paragraphs = element_paragraphs(el, BODY_SKIP)
    if not paragraphs:
        return [], None
    for sub in el.iter():
        if isinstance(sub.tag, str) and sub.tag in _HTML_NAMES:
            sub.tag = _HTML_NAMES[sub.tag]
    parts = []
    for child in el:
        if isinstance(child.tag, str) and child.tag not in BODY_SKIP:
            parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return paragraphs, "".join(parts) or None


def plain_paragraphs(value: str | None) -> list[str]:
    """Plain wire text: blank lines split paragraphs, hard-wrapped lines are joined."""
    if not value:
        return []
    blocks = value.replace("\r\n", "\n").replace("\r", "\n").split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]
