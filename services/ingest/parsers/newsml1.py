"""NewsML 1.x: one article per NewsItem, text from its text ContentItems."""

from __future__ import annotations

from lxml import etree

from shared.errors import ParseError
from shared.models import Image, Subject

from . import assembly, nitf
from .assembly import Context, Draft, Outcome, assemble, subject, to_int
from .sanitize import WIRE_SKIP, html_to_paragraphs
from .timestamps import parse_wire
from .xml_safety import parse_xml
from .xmlfields import attr, body, find, path_attr, path_text, plain_paragraphs, text

# Components that travel with a release but are not its running text.
_NOT_BODY_ROLES = frozenset({"stylesheet", "headline", "logo", "contact", "caption", "photo"})
_TEXT_FORMATS = ("nitf", "html", "xhtml", "text", "xml")


def parse(data: bytes, ctx: Context) -> list[Outcome]:
    root = parse_xml(data, charset=ctx.charset)
    if root.tag != "NewsML":
        raise ParseError(f"not NewsML 1.x: root element is <{root.tag}>")
    items = list(root.iter("NewsItem"))
    if not items:
        raise ParseError("NewsML document holds no NewsItem")
    priority = to_int(path_attr(root, "NewsEnvelope/Priority", "FormalName"))
    sent = parse_wire(path_text(root, "NewsEnvelope/DateAndTime"))
    outcomes: list[Outcome] = []
    for item in items:
        try:
            draft = _draft(item)
        except ParseError as exc:
            outcomes.append(exc)
            continue
        draft.urgency = draft.urgency if draft.urgency is not None else priority
        draft.published_at = draft.versioncreated or draft.firstcreated or sent
        outcomes.append(assemble(draft, ctx))
    return outcomes


def _draft(item: etree._Element) -> Draft:
    ident = find(item, "Identification/NewsIdentifier")
    manage = find(item, "NewsManagement")
    out = Draft(kind="newsml-1", guid=_guid(ident))
    out.version = to_int(path_text(ident, "RevisionId"))
    out.pubstatus = assembly.pubstatus(
        path_attr(manage, "Status", "FormalName"), field_name="Status"
    )
    out.urgency = to_int(path_attr(manage, "Urgency", "FormalName"))
    out.firstcreated = parse_wire(path_text(manage, "FirstCreated"))
    out.versioncreated = parse_wire(path_text(manage, "ThisRevisionCreated"))
    lines = list(item.iter("NewsLines"))
    out.headline = _first(lines, "HeadLine") or ""
    out.subheadline = _first(lines, "SubHeadLine")
    out.byline = _first(lines, "ByLine")
    out.wire_dateline = _first(lines, "DateLine")
    out.language = path_attr(item, ".//DescriptiveMetadata/Language", "FormalName") or attr(
        item, "lang"
    )
    out.subjects = _subjects(item)
    keywords = [
        attr(p, "Value") for p in item.iter("Property") if attr(p, "FormalName") == "Keyword"
    ]
    out.keywords = [k for k in keywords if k]
    out.images = _images(item)
    for content in _text_items(item):
        paragraphs, markup = _content(find(content, "DataContent"))
        out.paragraphs += paragraphs
        out.body_html = (out.body_html or "") + (markup or "")
    return out


def _guid(ident: etree._Element | None) -> str | None:
    """Provider, date and item id: stable across revisions (PublicIdentifier ends in one)."""
    parts = [path_text(ident, k) for k in ("ProviderId", "DateId", "NewsItemId")]
    if all(parts):
        return "urn:newsml:" + ":".join(p for p in parts if p)
    return path_text(ident, "PublicIdentifier")


def _first(lines: list[etree._Element], tag: str) -> str | None:
    for el in lines:
        found = path_text(el, tag)
        if found:
            return found
    return None


def _subjects(item: etree._Element) -> list[Subject]:
    out = []
    for code in item.iter("SubjectCode"):
        for el in code:
            found = subject(attr(el, "FormalName"))
            if found:
                out.append(found)
    for topic in item.iter("Topic"):
        names = [d for d in topic.iterfind("Description") if attr(d, "Variant") == "Name"]
        name = next((text(d) for d in names if attr(d, "lang") in ("en", None)), None)
        found = subject(path_text(topic, "FormalName"), name)
        if found:
            out.append(found)
    return out


def _role(content: etree._Element) -> str:
    parent = content.getparent()
    return (path_attr(parent, "Role", "FormalName") or "").lower()


def _text_items(item: etree._Element) -> list[etree._Element]:
    found = []
    for content in item.iter("ContentItem"):
        media = (path_attr(content, "MediaType", "FormalName") or "").lower()
        mime = (path_attr(content, "MimeType", "FormalName") or "").lower()
        fmt = (path_attr(content, "Format", "FormalName") or "").lower()
        textual = (
            media == "text" or mime.startswith("text/") or any(f in fmt for f in _TEXT_FORMATS)
        )
        if textual and "css" not in mime + fmt and _role(content) not in _NOT_BODY_ROLES:
            found.append(content)
    return found


def _content(data: etree._Element | None) -> tuple[list[str], str | None]:
    if data is None:
        return [], None
    children = [c for c in data if isinstance(c.tag, str)]
    if children and children[0].tag == "nitf":
        embedded = nitf.draft(children[0])
        return embedded.paragraphs, embedded.body_html
    if children and children[0].tag == "html":
        return body(find(children[0], "body"))
    if children:
        return body(data)
    raw = (data.text or "").strip()
    if raw.startswith("<"):
        return html_to_paragraphs(raw, WIRE_SKIP), raw
    return plain_paragraphs(raw), None


def _images(item: etree._Element) -> list[Image]:
    out = []
    for content in item.iter("ContentItem"):
        mime = path_attr(content, "MimeType", "FormalName")
        media = (path_attr(content, "MediaType", "FormalName") or "").lower()
        href = attr(content, "Href")
        if href and ((mime or "").startswith("image/") or media in ("photo", "graphic", "image")):
            parent = content.getparent()
            caption = path_text(parent, "NewsLines/HeadLine") or path_text(
                parent, "NewsLines/CaptionLine"
            )
            out.append(Image(url=href, caption=caption, mime_type=mime))
    return out
