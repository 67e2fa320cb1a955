"""RSS 0.9x/1.0/2.0 and Atom via feedparser: one article per item or entry."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml import etree

from shared.errors import ParseError
from shared.models import Image

from .assembly import Context, Draft, Outcome, assemble
from .charset import declared_charset, decode
from .related import drop_related
from .sanitize import element_paragraphs, paragraphs_to_html, parse_fragment
from .timestamps import parse_wire
from .xml_safety import prolog

# WordPress and friends append "The post X appeared first on Site." to every item, translated.
_FOOTER = re.compile(
    r"^(?:(?:The post|O post|O artigo|El post|La entrada|Le post|L['’]article|Il post|"
    r"L['’]articolo|Der Beitrag|Het bericht|Inlägget|Indlægget|Innlegget|Artykuł|Wpis|"
    r"Příspěvek|Сообщение|Запись|Запис|Pos|Το άρθρο|Artikkeli|Yazı)"
    r"\s.{1,400}\s(?:appeared first on|apareceu primeiro em|aparece primeiro em|"
    r"apareció primero en|se publicó primero en|est apparu en premier sur|"
    r"è apparso per la prima volta su|è apparso prima su|erschien zuerst auf|"
    r"verscheen eerst op|dök först upp på|blev vist først på|dukket først opp på|"
    r"pojawił się (?:pierwszy raz|najpierw) (?:w|na)|pochodzi z serwisu|"
    r"se nejdříve objevil na|появились сначала на|впервые появилась на|"
    r"спершу з'явилася на|muncul pertama kali di|εμφανίστηκε πρώτα στο|"
    r"julkaistiin ensin sivustolla|ilk olarak)\s.{1,200}"
    r"|ظهرت (?:المقالة|التدوينة) .{1,400} أولاً على .{1,200}"
    r"|投稿\s?.{1,400}は\s?.{1,200}に最初に表示されました。?"
    r"|文章.{1,400}最先出现在.{1,200}"
    r"|.{1,400} 글이 .{1,200}에 처음 등장했습니다\.?)$",
    re.IGNORECASE | re.DOTALL,
)
_EMAIL = re.compile(r"[<(]?\s*(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*[>)]?")
_XML_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])[^\"']*([\"'])")


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    text = decode(data, ctx.charset or declared_charset(data)).lstrip("\ufeff")
    doctype, _ = prolog(text[:65536])
    if "<!ENTITY" in doctype.upper():
        raise ParseError("feed declares entities in its DTD; refused (no entity expansion)")
    utf8 = _XML_DECL_ENCODING.sub(r"\1utf-8\2", text, count=1).encode("utf-8")
    feed = feedparser.parse(
        utf8,
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,  # nh3 sanitises what we keep; feedparser's pass only costs time
    )
    entries = feed.get("entries") or []
    if not entries and feed.get("bozo") and not feed.get("feed"):
        raise ParseError(f"not a readable feed: {feed.get('bozo_exception')}")
    if not feed.get("version") and not entries:
        raise ParseError("not an RSS or Atom feed")
    # An empty <item/> (feeds nest them by mistake) is markup debris, not an item to report.
    entries = [
        e for e in entries if any(e.get(k) for k in ("id", "link", "title", "summary", "content"))
    ]
    channel = feed.get("feed") or {}
    # Atom: a feed's authors are every entry's that names none (RFC 4287, 4.2.1); an RSS
    # channel's managingEditor is a contact, not a byline.
    atom = str(feed.get("version", "")).startswith("atom")
    fallback = _Fallback(channel.get("language"), _byline(channel) if atom else None)
    return [_outcome(entry, fallback, ctx) for entry in entries]


@dataclass(frozen=True)
class _Fallback:
    """What an item inherits from its feed when it says nothing itself."""

    language: str | None
    byline: str | None


def _outcome(entry: Any, fallback: _Fallback, ctx: Context) -> Outcome:
    try:
        return assemble(_draft(entry, fallback), ctx)
    except ParseError as exc:
        return exc


def _draft(entry: Any, fallback: _Fallback) -> Draft:
    out = Draft(kind="feed", guid=entry.get("id") or entry.get("link"))
    out.headline = _plain(entry.get("title_detail") or {}, entry.get("title"))
    # Atom `published` and RSS `pubDate` say when the item first appeared, Atom `updated` (or
    # dcterms:modified) when this version did; a listing shows the first, else the latter.
    out.firstcreated = _time(entry, "published")
    out.versioncreated = _time(entry, "updated")
    out.published_at = out.firstcreated or out.versioncreated
    out.byline = _byline(entry) or fallback.byline
    out.url = entry.get("link")
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    out.keywords, out.section = tags, (tags[0] if tags else None)
    detail = _body_detail(entry)
    out.language = detail.get("language") or (entry.get("title_detail") or {}).get("language")
    out.language = out.language or fallback.language
    out.paragraphs, out.body_html = _body(detail)
    out.images = _images(entry)
    return out


def _byline(entry: Any) -> str | None:
    """Authors' names: an address ("Name (a@b.c)", "a@b.c (Name)", <email>) is contact."""
    names: list[str] = []
    for author in entry.get("authors") or [entry.get("author_detail") or {}]:
        name = _EMAIL.sub("", str(author.get("name") or "")).strip(" ()<>,")
        if name and name not in names:
            names.append(name)
    if names:
        return ", ".join(names)
    return _EMAIL.sub("", entry.get("author") or "").strip(" ()<>,") or None


def _time(entry: Any, key: str) -> datetime | None:
    # dict.get: FeedParserDict.get would silently swap "updated" for "published".
    parsed = dict.get(entry, f"{key}_parsed")
    if isinstance(parsed, time.struct_time):
        return datetime(*parsed[:6], tzinfo=UTC)
    return parse_wire(dict.get(entry, key))


def _plain(detail: dict[str, Any], value: str | None) -> str:
    if value and "html" in str(detail.get("type", "")) and "<" in value:
        return " ".join(_paragraphs_of(value)[0])
    return value or ""


def _body_detail(entry: Any) -> dict[str, Any]:
    """Full content (content:encoded, atom:content) over the summary, which is often a teaser."""
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    if contents:
        return dict(max(contents, key=lambda c: len(c["value"])))
    summary = entry.get("summary_detail") or {}
    return dict(summary) if summary.get("value") else {}


def _body(detail: dict[str, Any]) -> tuple[list[str], str | None]:
    value = detail.get("value") or ""
    if "html" not in str(detail.get("type", "html")):
        paragraphs = [p.strip() for p in value.split("\n\n") if p.strip()]
        return paragraphs, paragraphs_to_html(paragraphs) or None
    return _paragraphs_of(value)


def _paragraphs_of(markup: str) -> tuple[list[str], str | None]:
    root = parse_fragment(markup)
    if root is None:
        return [], None
    for para in list(root.iter("p")):
        if _FOOTER.match(" ".join("".join(para.itertext()).split())):
            para.drop_tree()
    drop_related(root)
    paragraphs = [p for p in element_paragraphs(root) if not _FOOTER.match(p)]
    markup = (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )
    return paragraphs, markup


def _images(entry: Any) -> list[Image]:
    """The largest media:content image (feeds list one picture in several sizes)."""
    candidates = []
    for media in entry.get("media_content") or []:
        kind = f"{media.get('medium', '')}{media.get('type', '')}"
        if media.get("url") and ("image" in kind or not kind):
            width = int(media.get("width") or 0) if str(media.get("width", "")).isdigit() else 0
            candidates.append((width, media["url"], media.get("type")))
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            candidates.append((0, link.get("href"), link.get("type")))
    if not candidates:
        return []
    _, url, mime = max(candidates, key=lambda c: c[0])
    credit = (entry.get("media_credit") or [{}])[0].get("content")
    caption = entry.get("media_description") or None
    return [Image(url=url, caption=caption, byline=credit, mime_type=mime)]
