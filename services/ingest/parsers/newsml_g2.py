"""NewsML-G2: newsItem, newsMessage (one article per text item), packages, pictures."""

from __future__ import annotations

from lxml import etree

from shared.errors import ParseError
from shared.models import Image, Subject

from . import assembly, datelines, nitf
from .assembly import Context, Draft, Outcome, assemble, subject, to_int
from .sanitize import WIRE_SKIP, html_to_paragraphs
from .timestamps import parse_wire
from .xml_safety import parse_xml
from .xmlfields import attr, body, find, path_attr, path_text, plain_paragraphs, text

_ITEM_TAGS = ("newsItem", "packageItem", "conceptItem", "knowledgeItem", "planningItem")
_MEDIA = ("picture", "graphic", "video", "audio", "image", "photo")


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    root = parse_xml(data, charset=ctx.charset)
    if root.tag == "newsMessage":
        item_set = find(root, "itemSet")
        elements = [el for el in (item_set if item_set is not None else []) if el.tag in _ITEM_TAGS]
    elif root.tag in _ITEM_TAGS:
        elements = [root]
    else:
        raise ParseError(f"not NewsML-G2: root element is <{root.tag}>")
    news = [el for el in elements if el.tag == "newsItem"]
    packages = [el for el in elements if el.tag == "packageItem" and _stands_alone(el)]
    if not news and not packages:
        kinds = ", ".join(sorted({el.tag for el in elements})) or "no items"
        raise ParseError(
            f"NewsML-G2 document holds no newsItem ({kinds}) and no package with a headline: "
            "a package only references its items, so it carries no article of its own"
        )
    texts = [el for el in news if not _is_media(el)]
    media = [el for el in news if _is_media(el)]
    images = [img for img in map(_picture, media) if img] if texts else []
    articles = set(packages) | set(texts or media)
    return [_outcome(el, ctx, images if el in texts else []) for el in elements if el in articles]


def _stands_alone(package: etree._Element) -> bool:
    """A package with a headline is a story a desk can list (a kill needs none)."""
    content = find(package, "contentMeta")
    status = path_attr(package, "itemMeta/pubStatus", "qcode") or ""
    return bool(_headlines(content)[0]) or status.lower().endswith("canceled")


def _is_media(item: etree._Element) -> bool:
    qcode = (path_attr(item, "itemMeta/itemClass", "qcode") or "").lower()
    return qcode.rsplit(":", 1)[-1] in _MEDIA


def _outcome(item: etree._Element, ctx: Context, images: list[Image]) -> Outcome:
    try:
        draft = _draft(item)
    except ParseError as exc:
        return exc
    draft.images = draft.images + images
    if _is_media(item):
        picture = _picture(item)
        draft.images = [picture] if picture else []
        if not draft.paragraphs and picture and picture.caption:
            draft.paragraphs = [picture.caption]
    return assemble(draft, ctx)


def _draft(item: etree._Element) -> Draft:
    meta, content = find(item, "itemMeta"), find(item, "contentMeta")
    out = Draft(kind="newsml-g2", guid=attr(item, "guid"), version=to_int(attr(item, "version")))
    out.pubstatus = assembly.pubstatus(
        path_attr(meta, "pubStatus", "qcode"), field_name="pubStatus"
    )
    out.versioncreated = parse_wire(path_text(meta, "versionCreated"))
    out.firstcreated = parse_wire(path_text(meta, "firstCreated"))
    out.embargoed = parse_wire(path_text(meta, "embargoed"))
    out.urgency = to_int(path_text(content, "urgency"))
    out.headline, out.subheadline = _headlines(content)
    out.byline = path_text(content, "by")
    out.wire_dateline = _dateline(content)
    out.language = (
        path_attr(content, "language", "tag")
        or attr(item, "lang")
        or path_attr(content, "headline", "lang")
    )
    out.subjects = _subjects(content)
    out.keywords = [k for k in (text(el) for el in _all(content, "keyword")) if k]
    _content(out, find(item, "contentSet"))
    return out


def _all(el: etree._Element | None, path: str) -> list[etree._Element]:
    return list(el.iterfind(path)) if el is not None else []


def _headlines(content: etree._Element | None) -> tuple[str, str | None]:
    main, sub = None, None
    for el in _all(content, "headline"):
        role = (attr(el, "role") or "").lower()
        if "sub" in role:
            sub = sub or text(el)
        else:
            main = main or text(el)
    return main or "", sub


def _dateline(content: etree._Element | None) -> str | None:
    """The dateline as written when it names a place; else the first `located` with a name
    (Reuters sends a timestamp as its dateline, the IPTC examples only `located`)."""
    written = path_text(content, "dateline")
    if datelines.from_wire_field(written):
        return written
    for el in _all(content, "located"):
        name = path_text(el, "name") or attr(el, "literal")
        if name:
            return name
    return None


def _subjects(content: etree._Element | None) -> list[Subject]:
    out = []
    for el in _all(content, "subject"):
        found = subject(
            attr(el, "qcode") or attr(el, "literal") or attr(el, "uri"), path_text(el, "name")
        )
        if found:
            out.append(found)
    return out


def _content(out: Draft, content_set: etree._Element | None) -> None:
    """Inline XML (XHTML or NITF) first; plain inline data when that is all there is."""
    for inline in _all(content_set, "inlineXML"):
        for root in inline:
            if not isinstance(root.tag, str):
                continue
            if root.tag == "nitf":
                embedded = nitf.draft(root)
                out.headline = out.headline or embedded.headline
                out.paragraphs, out.body_html = embedded.paragraphs, embedded.body_html
            else:
                holder = find(root, "body") if root.tag == "html" else root
                out.paragraphs, out.body_html = body(holder)
            if out.paragraphs:
                return
    for data in _all(content_set, "inlineData"):
        if "headline" not in (attr(data, "rendition") or ""):
            raw = (data.text or "").strip()
            if raw.startswith("<"):  # ANSA sends HTML as text/plain
                out.paragraphs, out.body_html = html_to_paragraphs(raw, WIRE_SKIP), raw
            else:
                out.paragraphs = plain_paragraphs(raw)
            if out.paragraphs:
                return


def _picture(item: etree._Element) -> Image | None:
    """The best rendition of a picture item, with its caption and photographer."""
    content = find(item, "contentMeta")
    caption = None
    for desc in _all(content, "description"):
        if "caption" in (attr(desc, "role") or "caption"):
            caption = text(desc)
            break
    best: tuple[int, str | None, str | None] = (-1, None, None)
    for rend in _all(item, "contentSet/remoteContent"):
        width = to_int(attr(rend, "width")) or 0
        if attr(rend, "href") and width > best[0]:
            best = (width, attr(rend, "href"), attr(rend, "contenttype"))
    byline = path_text(content, "by") or path_text(content, "creator/name")
    caption = caption or path_text(content, "headline")
    if not (best[1] or caption):
        return None
    return Image(url=best[1], caption=caption, byline=byline, mime_type=best[2])
