"""NITF 3.x (plain or namespaced): one article per document."""

from __future__ import annotations

from lxml import etree

from shared.errors import ParseError
from shared.models import Image, Subject

from . import assembly
from .assembly import Context, Draft, Outcome, assemble, subject, to_int
from .timestamps import parse_wire
from .xml_safety import parse_xml
from .xmlfields import attr, body, find, path_attr, path_text, text


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    root = parse_xml(data, charset=ctx.charset)
    if root.tag != "nitf":
        raise ParseError(f"not NITF: root element is <{root.tag}>")
    try:
        return [assemble(draft(root), ctx)]
    except ParseError as exc:
        return [exc]


def headline(nitf: etree._Element) -> str | None:
    return path_text(nitf, "body/body.head/hedline/hl1") or path_text(nitf, "head/title")


def draft(nitf: etree._Element) -> Draft:
    """Fields of a NITF document; NewsML wrappers reuse it for their embedded NITF."""
    head, docdata = find(nitf, "head"), find(nitf, "head/docdata")
    body_head = find(nitf, "body/body.head")
    out = Draft(kind="nitf", guid=path_attr(docdata, "doc-id", "id-string"))
    out.version = to_int(path_attr(docdata, "du-key", "version"))
    _status(out, docdata)
    out.urgency = to_int(path_attr(docdata, "urgency", "ed-urg"))
    out.headline = headline(nitf) or ""
    sub = path_text(body_head, "hedline/hl2")
    out.subheadline = sub if sub and sub != out.headline else None
    out.byline = _byline(find(body_head, "byline"))
    out.wire_dateline = _dateline(find(body_head, "dateline"))
    out.language = attr(nitf, "baselang") or attr(nitf, "lang") or attr(find(nitf, "body"), "lang")
    issued = path_attr(docdata, "date.issue", "norm") or path_attr(
        head, "pubdata", "date.publication"
    )
    # NITF has one issue time: it is when this document was created, first or again.
    out.published_at = out.versioncreated = out.firstcreated = parse_wire(issued)
    out.subjects = _subjects(head)
    out.keywords = [k for k in (attr(el, "key") for el in _all(docdata, "key-list/keyword")) if k]
    content = find(nitf, "body/body.content")
    out.images = _images(content)
    out.paragraphs, out.body_html = body(content)
    return out


def _all(el: etree._Element | None, path: str) -> list[etree._Element]:
    return list(el.iterfind(path)) if el is not None else []


def _status(out: Draft, docdata: etree._Element | None) -> None:
    status = attr(docdata, "management-status")
    release = parse_wire(path_attr(docdata, "date.release", "norm"))
    if status and status.lower() == "embargoed" and release:
        out.embargoed = release
        return
    out.pubstatus = assembly.pubstatus(status, field_name="management-status")


def _byline(el: etree._Element | None) -> str | None:
    """The byline's own words and person; titles (byttl) are a job, not a name."""
    if el is None:
        return None
    parts = [el.text or ""]
    for child in el:
        if child.tag != "byttl":
            parts.append(text(child) or "")
        parts.append(child.tail or "")
    return " ".join(" ".join(parts).split()) or None


def _dateline(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    city = path_text(el, "location/city") or path_text(el, "location")
    if city:
        return city
    parts = [el.text or ""] + [c.tail or "" for c in el if c.tag == "story.date"]
    return " ".join(" ".join(parts).split()) or None


def _subjects(head: etree._Element | None) -> list[Subject]:
    out = []
    for el in _all(head, "tobject/tobject.subject"):
        name = (
            attr(el, "tobject.subject.detail")
            or attr(el, "tobject.subject.matter")
            or attr(el, "tobject.subject.type")
        )
        found = subject(attr(el, "tobject.subject.refnum"), name)
        if found:
            out.append(found)
    return out


def _images(content: etree._Element | None) -> list[Image]:
    out = []
    for media in _all(content, ".//media"):
        if (attr(media, "media-type") or "image").lower() not in ("image", "photo", "graphic"):
            continue
        ref = find(media, "media-reference")
        url = attr(ref, "source") or attr(ref, "data-location")
        caption = path_text(media, "media-caption")
        if url or caption:
            mime = attr(ref, "mime-type")
            out.append(Image(url=url, caption=caption, mime_type=mime))
    return out
