"""HTML article pages: the story without navigation, ads, related or most-read lists."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import orjson
import trafilatura
from lxml import etree
from lxml import html as lxml_html

from shared.errors import ParseError
from shared.models import Image

from .assembly import Context, Draft, Outcome, assemble, language
from .charset import declared_charset, decode
from .related import drop_related
from .sanitize import clean_line, element_paragraphs
from .timestamps import is_time_line, parse_time_line, parse_wire

_NEGATIVE = frozenset({
    "nav", "navbar", "navigation", "menu", "footer", "sidebar", "aside", "related",
    "relacionadas", "share", "sharing", "social", "comment", "comments", "promo", "ad", "ads",
    "advert", "advertisement", "banner", "publicidad", "newsletter", "subscribe", "subscription",
    "cookie", "cookies", "popular", "ranking", "trending", "recommended", "outbrain", "taboola",
    "breadcrumb", "breadcrumbs", "tags", "copyright", "byline", "meta", "info", "date",
    "topbar", "gnb", "login", "widget", "most", "mostread", "header", "masthead", "toolbar",
    "tools", "author", "firma", "fecha", "writer", "caption"
})  # fmt: skip
_TOKENS = re.compile(r"[^0-9a-zà-ÿ]+")
_BOILERPLATE = re.compile(
    r"(©|\(c\)\s*\d{4}|all rights reserved|무단전재|無断転載|版权所有|todos los derechos|"
    r"tous droits réservés|alle rechte vorbehalten|^(advertisement|publicidad|anzeige|werbung|"
    r"광고|広告|publicité|pubblicità|share( on \w+)?|copy link|read more)$)",
    re.IGNORECASE,
)
_DATE_HINT = re.compile(r"date|time|fecha|datum|data|publish|updated|timestamp|dateline", re.I)
_PUBLISHED_META = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "dc.date", "dcterms.date", "dc.date.issued", "sailthru.date", "parsely-pub-date", "date",
)  # fmt: skip
_MIN_PARAGRAPH = 25
# Control characters: lxml refuses them and pages never mean them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Page chrome by element; a <form> is not chrome (ASP.NET pages wrap everything in one).
_CHROME_TAGS = frozenset({
    "nav", "aside", "footer", "header", "figure", "script", "style", "noscript", "template",
    "iframe", "button", "select",
})  # fmt: skip
# Lists of other stories: their dates and bylines are not this story's.
_LIST_TOKENS = frozenset({
    "related", "relacionadas", "popular", "ranking", "trending", "recommended", "most",
    "mostread", "sidebar", "comment", "comments", "promo", "outbrain", "taboola", "widget",
})  # fmt: skip
_LINK_BLOCKS = frozenset({"p", "li", "ul", "ol", "div", "section", "nav"})


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    text = decode(data, ctx.charset or declared_charset(data, html=True)).lstrip("\ufeff")
    text = _CONTROL.sub("", re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
    if not text.strip():
        raise ParseError("empty HTML page")
    parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"not a readable HTML page: {exc}") from exc
    return [assemble(_draft(root, text), ctx)]


def _draft(root: etree._Element, source: str) -> Draft:
    meta = _meta(root)
    container = _container(root)
    scope = _scope(container) if container is not None else root
    out = Draft(kind="html")
    out.headline = _headline(root, meta, scope)
    out.byline = _byline(meta, scope)
    out.language = root.get("lang") or meta.get("content-language") or meta.get("og:locale")
    out.published_at = _published(meta, scope, language(out.language))
    out.versioncreated = parse_wire(meta.get("article:modified_time"))
    out.section = meta.get("article:section")
    out.url = _canonical(root) or meta.get("og:url")
    out.guid = out.url
    known = {out.headline, out.byline or ""}
    if container is not None:
        _prune(container)
        drop_related(container)
        paragraphs = element_paragraphs(container)
    else:  # no element holds paragraphs (a page of divs): trafilatura's own extraction
        extracted = trafilatura.extract(source, include_comments=False, favor_precision=True)
        paragraphs = [p for p in (extracted or "").split("\n") if p.strip()]
    out.paragraphs = [
        p for p in paragraphs if p not in known and not _chrome(p) and not is_time_line(p)
    ]
    out.images = _images(meta, scope)
    return out


def _meta(root: etree._Element) -> dict[str, str]:
    """First value per meta name/property/itemprop (lower case), plus JSON-LD datePublished."""
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        value = el.get("content")
        if key and value and value.strip():
            found.setdefault(key.strip().lower(), value.strip())
    for script in root.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            _json_ld(script.text, found)
    return found


def _json_ld(text: str, found: dict[str, str]) -> None:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            for key in ("datePublished", "dateModified", "headline"):
                if isinstance(node.get(key), str):
                    found.setdefault(f"ld:{key.lower()}", node[key])
            stack.extend(v for v in node.values() if isinstance(v, dict | list))


def _negative(el: etree._Element) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return bool(names.strip()) and any(t in _NEGATIVE for t in _TOKENS.split(names) if t)


def _excluded(el: etree._Element) -> bool:
    return any(anc.tag in _CHROME_TAGS or _negative(anc) for anc in el.iterancestors())


def _in_other_stories(el: etree._Element) -> bool:
    for anc in [el, *el.iterancestors()]:
        names = f"{anc.get('class') or ''} {anc.get('id') or ''}".lower()
        if anc.tag in ("nav", "aside", "footer") or _LIST_TOKENS & set(_TOKENS.split(names)):
            return True
    return False


def _container(root: etree._Element) -> etree._Element | None:
    """The element holding most paragraph text: readability's scoring, parents and grandparents."""
    scores: dict[etree._Element, float] = {}
    for para in root.iter("p", "pre", "blockquote"):
        length = len(" ".join("".join(para.itertext()).split()))
        if length < _MIN_PARAGRAPH or _excluded(para):
            continue
        links = sum(len("".join(a.itertext())) for a in para.iter("a"))
        if links > length / 2:
            continue
        parent = para.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + length
        grand = parent.getparent()
        if grand is not None and grand.tag not in ("body", "html"):
            scores[grand] = scores.get(grand, 0.0) + length / 2
    return max(scores, key=scores.__getitem__) if scores else None


def _scope(container: etree._Element) -> etree._Element:
    """The story's own block (article, main, or the nearest block holding an h1)."""
    for anc in [container, *container.iterancestors()]:
        if anc.tag in ("article", "main") or anc.find(".//h1") is not None:
            return anc
    return container


def _prune(container: etree._Element) -> None:
    """Drop chrome inside the story block: marked by class or id, or made of links."""
    for el in list(container.iter()):
        if el is container or not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if _negative(el) or (el.tag in _LINK_BLOCKS and _link_density(el) > 0.6):
            el.drop_tree()


def _link_density(el: etree._Element) -> float:
    length = len("".join(el.itertext()).strip())
    links = sum(len("".join(a.itertext()).strip()) for a in el.iter("a"))
    return links / length if length else 0.0


def _chrome(paragraph: str) -> bool:
    return len(paragraph) < 200 and bool(_BOILERPLATE.search(paragraph))


def _headline(root: etree._Element, meta: dict[str, str], scope: etree._Element) -> str:
    og = clean_line(meta.get("og:title") or meta.get("twitter:title") or meta.get("ld:headline"))
    h1s = [clean_line("".join(h.itertext())) for h in root.iter("h1")]
    in_scope = [clean_line("".join(h.itertext())) for h in scope.iter("h1")]
    for candidate in h1s:
        if candidate and candidate == og:
            return candidate
    if in_scope and in_scope[0]:
        return in_scope[0]
    if og:
        return og
    title = clean_line(root.findtext(".//title"))
    return re.split(r"\s+[|\-–—]\s+", title)[0] if title else (h1s[0] if h1s else "")


def _byline(meta: dict[str, str], scope: etree._Element) -> str | None:
    for el in scope.iter():
        if not isinstance(el.tag, str) or _in_other_stories(el):
            continue
        names = _TOKENS.split(f"{el.get('class') or ''} {el.get('itemprop') or ''}".lower())
        if el.get("rel") == "author" or {"byline", "author", "firma", "writer", "autor"} & set(
            names
        ):
            value = clean_line("".join(el.itertext()))
            if value and len(value) < 120:
                return value
    author = meta.get("author")
    return author if author and "://" not in author else None


def _published(meta: dict[str, str], scope: etree._Element, local: str | None) -> datetime | None:
    for el in scope.iter("time"):
        stamp = parse_wire(el.get("datetime")) if not _in_other_stories(el) else None
        if stamp:
            return stamp
    for key in (*_PUBLISHED_META, "ld:datepublished"):
        stamp = parse_wire(meta.get(key))
        if stamp:
            return stamp
    for el in scope.iter():
        hint = f"{el.get('class') or ''} {el.get('id') or ''}" if isinstance(el.tag, str) else ""
        if hint.strip() and _DATE_HINT.search(hint) and not _in_other_stories(el):
            stamp = parse_time_line(clean_line("".join(el.itertext())), local=local)
            if stamp:
                return stamp
    return None


def _canonical(root: etree._Element) -> str | None:
    for link in root.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            return str(link.get("href")).strip()
    return None


def _images(meta: dict[str, str], scope: etree._Element) -> list[Image]:
    out = []
    for figure in scope.iter("figure"):
        img = figure.find(".//img")
        caption = clean_line("".join(figure.findtext(".//figcaption") or ""))
        url = img.get("src") if img is not None else None
        if url or caption:
            out.append(Image(url=url, caption=caption or None))
    if not out and meta.get("og:image"):
        out.append(Image(url=meta["og:image"], caption=meta.get("og:image:alt")))
    return out
