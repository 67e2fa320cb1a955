"""Body HTML made safe (nh3), and the plain text that taggers read, kept beside it."""

from __future__ import annotations

import html
import re

import nh3
from lxml import etree
from lxml import html as lxml_html

_ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
    "strong", "em", "b", "i", "u", "s", "sub", "sup", "a", "table", "thead", "tbody", "tfoot",
    "tr", "th", "td", "caption", "figure", "figcaption", "img", "span", "div", "q", "cite",
    "abbr", "hr", "dl", "dt", "dd", "small", "mark", "time",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "time": {"datetime"},
}
# Text in these never belongs to the article's running text.
SKIP_TAGS = frozenset({
    "script", "style", "head", "title", "noscript", "template", "iframe", "object", "embed",
    "svg", "canvas", "form", "button", "select", "input", "textarea", "nav", "aside", "figure",
    "figcaption", "header", "footer", "media", "img", "picture", "video", "audio", "source"
})  # fmt: skip
# Wire bodies also repeat the headline (h1) and carry NITF media blocks.
WIRE_SKIP = SKIP_TAGS | {"h1", "media", "media-caption", "media-reference", "hedline", "byline"}
BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre",
    "table", "thead", "tbody", "tfoot", "tr", "section", "article", "main", "dl", "dt", "dd",
    "hr", "address", "block", "hl1", "hl2", "body", "html", "center", "details", "summary",
    "caption"
})  # fmt: skip
_BREAK = "\u2028"  # a <br>, kept apart from newlines in the source text
_CELL = "\x1f"  # a table cell boundary, kept apart from tabs in the source text
_WRAP = re.compile(r"[\n\t\x1f\u2028]")
_NOT_IDEOGRAPHIC_SPACE = re.compile(r"[^\S\u3000]+")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def sanitize_html(fragment: str) -> str:
    """Markup a page may render as is: no scripts, no handlers, only http(s)/mailto links."""
    return nh3.clean(
        fragment,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        strip_comments=True,
    ).strip()


def paragraphs_to_html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


def parse_fragment(markup: str) -> etree._Element | None:
    """An HTML fragment or document as a tree; None when there is nothing to read."""
    if not markup.strip():
        return None
    parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    head = markup[:1024].lower()
    try:
        if "<html" in head or "<body" in head:
            doc = lxml_html.document_fromstring(markup, parser=parser)
            body = doc.find("body")
            return body if body is not None else doc
        return lxml_html.fragment_fromstring(markup, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return None


def html_to_paragraphs(markup: str, skip: frozenset[str] = SKIP_TAGS) -> list[str]:
    root = parse_fragment(markup)
    return element_paragraphs(root, skip) if root is not None else []


def element_paragraphs(root: etree._Element, skip: frozenset[str] = SKIP_TAGS) -> list[str]:
    """Paragraphs of running text: block elements split, table cells joined by tabs."""
    out: list[str] = []
    buf: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in skip and el is not root:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                _flush(buf, out)
            elif tag == "br":
                buf.append(_BREAK)
            elif tag in ("td", "th") and buf and buf[-1] != _BREAK:
                buf.append(_CELL)
            if el.text and tag not in skip:
                buf.append(_WRAP.sub(" ", el.text))
            continue
        if tag in BLOCK_TAGS:
            _flush(buf, out)
        if el.tail and el is not root:
            buf.append(_WRAP.sub(" ", el.tail))
    _flush(buf, out)
    return out


def _flush(buf: list[str], out: list[str]) -> None:
    if not buf:
        return
    lines = ("".join(buf)).split(_BREAK)
    buf.clear()
    cleaned = [
        "\t".join(_SPACES.sub(" ", cell).strip() for cell in line.split(_CELL)).strip()
        for line in lines
    ]
    text = "\n".join(line for line in cleaned if line)
    if text:
        out.append(text)


def clean_line(text: str | None) -> str:
    """One line of metadata (headline, byline): entities decoded, whitespace collapsed."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    # U+3000 separates the parts of CJK headlines; it is content, not spacing to collapse.
    return _NOT_IDEOGRAPHIC_SPACE.sub(" ", text).strip(" \u3000")
