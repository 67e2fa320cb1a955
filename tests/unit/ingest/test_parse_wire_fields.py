"""Each wire format's own dateline, creation and update times, packages and bylines (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from services.ingest.parsers import datelines, parse_bytes
from shared.errors import ParseError
from shared.models import Article

WIRE = Path(__file__).parents[2] / "data" / "wire"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def articles(rel: str) -> list[Article]:
    items = parse_bytes((WIRE / rel).read_bytes(), filename=rel, now=NOW)
    found = [i.article for i in items if i.article is not None]
    assert len(found) == len(items)
    return found


def article(rel: str, index: int = 0) -> Article:
    return articles(rel)[index]


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- datelines -------------------------------------------------------------------------------

WIRE_DATELINES = {
    # the wire's field where the body opens without a place
    "ninjs/superdesk-ninjs2-featuremedia.json": "Singapore",  # located
    "ninjs/superdesk-ninjs1.json": "Milton Keynes",
    "nitf/nitf-fishing-canceled.xml": "Newport News",  # <location><city>, state left out
    "nitf/iptc-NTB_nitf_sample-nb.xml": "Unnao",
    "nitf/ntb-nitf-nb-latin1.xml": "Oslo",
    "nitf/aap-cyber.xml": "SYDNEY",  # "SYDNEY March 22 AAP -"
    "newsml-1/afp-newsml12-en.xml": "STOCKHOLM",  # "STOCKHOLM, Aug 29, 2014 (AFP) -"
    "newsml-1/afp-newsml-fr-latin1.xml": "Strasbourg",
    "newsml-1/iptc-afp.com_newsml1.2_sample.xml": "Gaza City",
    "newsml-1/businesswire-newsml-20130515006361.xml": "ROUND ROCK",  # ", Texas" left out
    "newsml-1/businesswire-newsml-20130605006126-zh.xml": "加州桑尼維爾",
    "newsml-g2/iptc-LISTING_1_News_Item.xml": "Berlin",  # <located><name>
    "newsml-g2/stt1-fi.xml": "Helsinki",
    "newsml-g2/reuters-KBN0FL0NM-v10-package.xml": "Bangalore",  # dateline is a timestamp
    # the body's spelling where it opens with the wire's place
    "ninjs/iptc-1.4-ninjsExComplex1.json": "GROSSETO",  # located "Grossetto, Italy"
    "nitf/cp-handle-invalid-fields.xml": "OTTAWA",  # <city>Ottawa</city>
    "newsml-g2/ansa_culture-it.xml": "ROMA",  # "ANSA TEST - ROMA, 01 LUG -"
    "newsml-g2/ansa-newsmlg2-text-en.xml": "Rome",  # located@literal, "(ANSA) - Rome,"
    "newsml-g2/dpa-170629-99-49849-correction-de.xml": "Frankfurt/Main",
}


@pytest.mark.parametrize("rel", sorted(WIRE_DATELINES))
def test_the_wire_carries_its_own_dateline(rel: str) -> None:
    assert article(rel).dateline == WIRE_DATELINES[rel]


def test_a_wire_dateline_that_names_no_place_is_not_one() -> None:
    assert article("newsml-1/ana-newsml-multilang.xml").dateline is None  # "4/4/2018"
    # Superdesk put the author in `located`: "Aaron J. Staples, Michigan"
    assert article("ninjs/superdesk-ninjs-embargoed.json").dateline is None


def test_the_wire_field_wins_over_a_different_place_in_the_body() -> None:
    body = "PARIS — Ministers met on Monday."
    assert datelines.choose("LYON, France", body) == "LYON"
    assert datelines.choose("Paris", body) == "PARIS"
    assert datelines.choose(None, body) == "PARIS"
    assert datelines.choose("Paris", "") == "Paris"


def test_a_place_field_holding_the_author_is_no_dateline() -> None:
    staples = "Aaron J. Staples, Michigan State University"
    assert datelines.choose("Aaron J. Staples, Michigan", "", byline=staples) is None
    assert datelines.choose("Sydney", "", byline="Sydney Smith") == "Sydney"
    assert datelines.choose("New York", "", byline="By Jane Doe, New York") == "New York"


def test_nordic_slash_agency_dateline_in_the_body() -> None:
    assert article("nitf/ntb-mapping-test-da.xml").dateline == "København"  # /ritzau/:
    assert datelines.extract("The price of oil /barrel/: rose") is None


@pytest.mark.parametrize(
    "fields",
    [
        {"dateline": {"located": {"city": "Sydney"}, "text": "SYDNEY, March 22 AAP -"}},
        {"datelines": [{"value": "SYDNEY, Australia"}]},
        {"located": {"name": "Sydney"}},
    ],
    ids=["superdesk-dateline-object", "datelines-list", "located-object"],
)
def test_ninjs_dialect_datelines(fields: dict[str, object]) -> None:
    doc = {"uri": "urn:x", "headline": "H", "body_text": "Text without a place.", **fields}
    found = parse_bytes(orjson.dumps(doc), fmt="ninjs", now=NOW)[0].article
    assert found is not None
    assert (found.dateline or "").casefold() == "sydney"


# --- creation and update times ---------------------------------------------------------------


def test_anpa_and_iptc7901_times_come_from_the_trailer() -> None:
    anpa = article("anpa/anpa-1.tst")
    assert anpa.firstcreated == anpa.versioncreated == anpa.published_at == utc(2013, 11, 13, 15, 9)
    dpa = article("iptc7901/dpa_two_line.txt")
    assert dpa.firstcreated == dpa.versioncreated == utc(2018, 11, 21, 21, 1)


def test_nitf_issue_time_is_its_creation_time() -> None:
    art = article("nitf/cp-handle-invalid-fields.xml")
    assert art.firstcreated == art.versioncreated == utc(2020, 7, 3, 20, 51, 36)


def test_newsml_times() -> None:
    g2 = article("newsml-g2/stt1-fi.xml")
    assert (g2.firstcreated, g2.versioncreated) == (
        utc(2019, 4, 15, 11, 12, 24),
        utc(2019, 4, 15, 13, 49, 15),
    )
    one = article("newsml-1/afp-newsml-fr-latin1.xml")
    assert one.firstcreated == one.versioncreated == utc(2024, 7, 10, 12, 59, 2)


def test_atom_published_is_creation_and_listing_time_updated_is_the_version() -> None:
    art = article("atom/rssparser-heise-de.atom")
    assert art.firstcreated == art.published_at == utc(2016, 2, 1, 16, 22)
    assert art.versioncreated == utc(2016, 2, 1, 16, 54, 50)
    only_updated = article("atom/superdesk-wenn.xml")
    assert only_updated.firstcreated is None
    assert only_updated.versioncreated == only_updated.published_at


def test_rss_pubdate_is_creation_time() -> None:
    art = article("rss/feedparser-rss2sample.xml")
    assert art.firstcreated == art.published_at == utc(2003, 6, 3, 9, 39, 21)
    assert art.versioncreated is None  # RSS 2.0 has no update time


# --- NewsML-G2 packages ----------------------------------------------------------------------


def test_a_package_with_a_headline_is_an_article() -> None:
    art = article("newsml-g2/reuters-KBN0FL0NM-v10-package.xml")
    assert art.guid == "tag_reuters.com_2014_newsml_KBN0FL0NM"
    assert (art.version, art.language, art.urgency) == (10, "en", 4)
    assert art.headline == "Confident Assad launches new term in stronger position"
    assert art.byline == "By Marwan Makdisi"
    assert art.firstcreated == utc(2014, 7, 16, 8, 10, 15)
    assert art.versioncreated == art.published_at == utc(2014, 7, 17, 0, 24, 11)
    simple = article("newsml-g2/iptc-LISTING_6_Simple_Package.xml")
    assert (simple.headline, simple.version, simple.language) == ("UK", 11, "en")


PACKAGE = """<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/"><itemSet>
<packageItem guid="urn:pkg" version="2"><itemMeta><pubStatus qcode="stat:usable"/></itemMeta>
<contentMeta>{headline}</contentMeta></packageItem>
<newsItem guid="urn:text" version="1"><itemMeta><itemClass qcode="ninat:text"/></itemMeta>
<contentMeta><headline>Text item</headline></contentMeta></newsItem>
</itemSet></newsMessage>"""


def test_packages_sit_beside_their_items_in_document_order() -> None:
    data = PACKAGE.format(headline="<headline>Package</headline>").encode()
    found = [i.article.guid for i in parse_bytes(data, fmt="newsml-g2") if i.article]
    assert found == ["urn:pkg", "urn:text"]
    bare = PACKAGE.format(headline="").encode()
    assert [i.article.guid for i in parse_bytes(bare, fmt="newsml-g2") if i.article] == ["urn:text"]


def test_a_package_without_a_headline_alone_is_refused() -> None:
    data = PACKAGE.format(headline="").encode()
    only = data.replace(data[data.index(b"<newsItem") : data.index(b"</itemSet>")], b"")
    with pytest.raises(ParseError, match="package only references"):
        parse_bytes(only, fmt="newsml-g2")


def test_html_sent_as_plain_inline_data_is_read_as_html() -> None:
    art = article("newsml-g2/ansa-newsmlg2-text-en.xml")
    assert art.body_text.startswith("(ANSA) - Rome, October 11 - Italian Foreign Minister")
    assert "<p>" not in art.body_text


# --- bylines ---------------------------------------------------------------------------------


def test_feed_bylines_keep_names_not_addresses() -> None:
    bylines = {a.byline for a in articles("rss/feedparser-rss2sample.xml")}
    assert "Writer" in bylines  # <author>writer@example.com (Writer)</author>
    assert article("atom/rssparser-feedburner.atom").byline == "Google Ads Developer Advisor"


def test_atom_entries_inherit_the_feed_author() -> None:
    assert article("atom/superdesk-wenn.xml").byline == "WENN Newsdesk"  # <email> dropped


FEED = """<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:e</id><title>T</title>
<updated>2024-01-01T00:00:00Z</updated>{authors}</entry></feed>"""


@pytest.mark.parametrize(
    ("authors", "byline"),
    [
        ("<author><name>Ann Lee (ann@example.com)</name></author>", "Ann Lee"),
        ("<author><name>Ann</name><email>a@b.example</email></author>", "Ann"),
        ("<author><email>a@b.example</email></author>", None),
        ("<author><name>Ann</name></author><author><name>Bob</name></author>", "Ann, Bob"),
    ],
)
def test_atom_author_forms(authors: str, byline: str | None) -> None:
    found = parse_bytes(FEED.format(authors=authors).encode(), fmt="atom")[0].article
    assert found is not None
    assert found.byline == byline
