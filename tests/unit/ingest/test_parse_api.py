"""parse_bytes as a whole: format choice, per-item errors, and the decisions it documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.ingest.parsers import FORMATS, parse_bytes
from shared.errors import ParseError, UnsupportedFormatError

NOW = datetime(2025, 6, 1, tzinfo=UTC)
G2 = "http://iptc.org/std/nar/2006-10-01/"


def ninjs(**fields: object) -> bytes:
    base: dict[str, object] = {"uri": "urn:x:1", "headline": "A headline", "body_text": "Text."}
    base.update(fields)
    return json.dumps(base).encode()


def test_formats_list_matches_the_cli_choices() -> None:
    assert set(FORMATS) == {
        "ninjs", "newsml-g2", "nitf", "newsml-1", "anpa", "iptc7901", "rss", "atom", "html",
        "text", "json",
    }  # fmt: skip


def test_unknown_format_name_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormatError, match="unknown format 'docx'"):
        parse_bytes(b"x", fmt="docx")


@pytest.mark.parametrize("data", [b"", b"   \n"])
def test_empty_document_is_refused(data: bytes) -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_bytes(data)


def test_broken_json_is_refused_with_the_reason() -> None:
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_bytes(b'{"uri": ', content_type="application/json")


PAGE = b"Tokyo, June 1 - Plain words from a scraped page, long enough to be an article body."


@pytest.mark.parametrize(
    ("content_type", "body", "family", "kind"),
    [
        ("application/xml", PAGE, "XML", "text"),
        ("text/xml; charset=utf-8", b"{}", "XML", "json"),
        ("application/json", b"<rss version='2.0'><channel/></rss>", "JSON", "rss"),
        ("application/vnd.example+json", PAGE, "JSON", "text"),
    ],
)
def test_a_body_that_is_not_what_its_content_type_says_is_refused(
    content_type: str, body: bytes, family: str, kind: str
) -> None:
    with pytest.raises(ParseError) as caught:
        parse_bytes(body, content_type=content_type)
    assert caught.value.field == "content-type"
    assert f"the body is not {family} (it reads as {kind})" in caught.value.reason


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", None])
def test_types_that_promise_nothing_take_what_is_sniffed(content_type: str | None) -> None:
    [item] = parse_bytes(PAGE, content_type=content_type, now=NOW)
    assert item.format == "text"
    assert item.article is not None
    assert "Plain words" in item.article.headline


def test_one_bad_item_does_not_fail_the_rest() -> None:
    batch = b"[" + ninjs() + b"," + ninjs(pubstatus="bogus") + b", 7]"
    items = parse_bytes(batch, content_type="application/ninjs+json")
    assert [i.ok for i in items] == [True, False, False]
    assert items[1].error is not None
    assert items[1].error.field == "pubstatus"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("usable", "usable"), ("withheld", "withheld"), ("canceled", "canceled"), (None, "usable")],
)
def test_ninjs_pubstatus(status: str | None, expected: str) -> None:
    [item] = parse_bytes(ninjs(pubstatus=status))
    assert item.article is not None
    assert item.article.pubstatus == expected


def test_british_cancelled_is_refused_not_guessed() -> None:
    [item] = parse_bytes(ninjs(pubstatus="cancelled"))
    assert item.article is None
    assert item.error is not None
    assert "did you mean 'canceled'" in str(item.error)


def test_ninjs_embargo_in_the_future_is_withheld() -> None:
    [item] = parse_bytes(ninjs(embargoed="2030-01-01T00:00:00Z"), now=NOW)
    assert item.article is not None
    assert item.article.pubstatus == "withheld"


def test_ninjs_headline_entities_are_decoded() -> None:
    [item] = parse_bytes(ninjs(headline="AT&amp;T &#8211; Q3 &quot;beat&quot;"))
    assert item.article is not None
    assert item.article.headline == 'AT&T – Q3 "beat"'


def test_ninjs_iptc_subject_uri_becomes_a_qcode() -> None:
    subjects = [{"uri": "http://cv.iptc.org/newscodes/mediatopic/04000000", "name": "economy"}]
    [item] = parse_bytes(ninjs(subjects=subjects))
    assert item.article is not None
    [subject] = item.article.subjects
    assert (subject.code, subject.name, subject.scheme) == ("medtop:04000000", "economy", "medtop")


def test_canonical_article_json() -> None:
    doc = {
        "guid": "cms-1",
        "headline": "Site story",
        "section": "World",
        "published_at": "2024-01-01T09:00:00+09:00",
        "body_text": "TOKYO — Text.",
    }
    [item] = parse_bytes(json.dumps([doc]).encode(), content_type="application/json")
    assert item.format == "json"
    assert item.article is not None
    assert item.article.published_at == datetime(2024, 1, 1, tzinfo=UTC)
    [bad] = parse_bytes(b'[{"headline": "no guid"}]', fmt="json")
    assert bad.error is not None
    assert bad.error.field == "guid"


def test_g2_message_pictures_attach_to_its_text_items() -> None:
    picture = (
        '<newsItem guid="pic" version="1"><itemMeta><itemClass qcode="ninat:picture"/></itemMeta>'
        '<contentMeta><description role="drol:caption">A caption</description></contentMeta>'
        '<contentSet><remoteContent href="http://x/a.jpg" width="800" contenttype="image/jpeg"/>'
        "</contentSet></newsItem>"
    )
    text = (
        '<newsItem guid="txt" version="2"><itemMeta><itemClass qcode="ninat:text"/>'
        '<pubStatus qcode="stat:withheld"/></itemMeta><contentMeta><headline>H</headline>'
        '</contentMeta><contentSet><inlineXML><html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<p>LONDON — Body.</p></body></html></inlineXML></contentSet></newsItem>"
    )
    doc = f'<newsMessage xmlns="{G2}"><itemSet><packageItem guid="p"/>{picture}{text}</itemSet>'
    [item] = parse_bytes((doc + "</newsMessage>").encode())
    art = item.article
    assert art is not None
    assert (art.guid, art.version, art.pubstatus, art.dateline) == ("txt", 2, "withheld", "LONDON")
    assert [(i.url, i.caption) for i in art.images] == [("http://x/a.jpg", "A caption")]


def test_content_type_charset_is_honoured() -> None:
    raw = "Überschrift\nBERLIN - Text über alles.".encode("latin-1")
    [item] = parse_bytes(raw, content_type="text/plain; charset=iso-8859-1")
    assert item.article is not None
    assert item.article.headline == "Überschrift"


def test_small_article_parses_fast() -> None:
    import time

    data = ninjs(body_html="<p>" + "word " * 250 + "</p>", headline="Speed")
    parse_bytes(data)
    start = time.perf_counter()
    for _ in range(200):
        parse_bytes(data)
    assert (time.perf_counter() - start) / 200 < 0.002
