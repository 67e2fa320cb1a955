"""Every real wire fixture is parsed or refused with a clear reason; field checks per format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.ingest.parsers import ParsedItem, parse_bytes
from shared.errors import ParseError, UnsupportedFormatError
from shared.models import Article

WIRE = Path(__file__).parents[2] / "data" / "wire"
NOW = datetime(2025, 6, 1, tzinfo=UTC)

# Whole documents that are refused, with the words their reason must contain.
REFUSED = {
    "newsml-g2/iptc-LISTING_28_Located_Dateline.xml": "root element <contentMeta>",
}
# Single items refused inside an otherwise readable document: (file, item) -> (field, words).
ITEM_ERRORS = {
    ("ninjs/iptc-1.0-INVALID-pubstatus_cancelled.json", 0): ("pubstatus", "cancelled"),
    ("atom/rssparser-missing-fields.atom", 0): ("headline", "neither a headline"),
}
# Readable documents that hold no article at all (an Atom entry with only an empty author).
EMPTY = {"atom/rssparser-incomplete-fields.atom"}
EXPECTED_FORMAT = {
    "ninjs": "ninjs", "newsml-g2": "newsml-g2", "nitf": "nitf", "newsml-1": "newsml-1",
    "anpa": "anpa", "iptc7901": "iptc7901", "rss": "rss", "atom": "atom",
}  # fmt: skip
FIXTURES = sorted(p for p in WIRE.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def parse(rel: str) -> list[ParsedItem]:
    return parse_bytes((WIRE / rel).read_bytes(), filename=rel, now=NOW)


def article(rel: str, index: int = 0) -> Article:
    item = parse(rel)[index]
    assert item.article is not None, item.error
    return item.article


def test_the_fixture_set_is_complete() -> None:
    assert len(FIXTURES) == 83  # the tables in SOURCES.md


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(WIRE)))
def test_every_fixture_is_parsed_or_refused_with_a_reason(path: Path) -> None:
    rel = str(path.relative_to(WIRE))
    if rel in REFUSED:
        with pytest.raises(ParseError) as exc:
            parse(rel)
        assert REFUSED[rel] in str(exc.value)
        return
    items = parse(rel)
    assert (len(items) == 0) == (rel in EMPTY)
    for index, item in enumerate(items):
        assert item.format == EXPECTED_FORMAT[path.parent.name]
        if (rel, index) in ITEM_ERRORS:
            field, words = ITEM_ERRORS[(rel, index)]
            assert item.article is None
            assert item.error is not None
            assert item.error.field == field
            assert words in str(item.error)
            continue
        assert item.article is not None, f"{rel}#{index}: {item.error}"
        art = item.article
        assert art.guid
        assert art.published_at is None or art.published_at.tzinfo is not None
        assert art.headline or art.body_text or art.pubstatus == "canceled"


def test_unknown_xml_is_unsupported_not_guessed() -> None:
    with pytest.raises(UnsupportedFormatError):
        parse("newsml-g2/iptc-LISTING_28_Located_Dateline.xml")


# --- ninjs -----------------------------------------------------------------------------------


def test_ninjs_3_camel_case_fields() -> None:
    art = article("ninjs/iptc-3.0-ntb_text.json")
    assert art.guid == "urn:8d19cf88-b3ab-4972-8fec-1207599f2872"
    assert (art.version, art.pubstatus, art.urgency) == (6, "usable", 5)
    assert art.published_at == datetime(2019, 8, 9, 9, 46, 53, tzinfo=UTC)
    assert art.firstcreated == datetime(2019, 8, 9, 9, 30, 4, tzinfo=UTC)
    assert (art.language, art.byline) == ("nb", "NTB")
    assert art.headline == "Google har kjøpt giganttomt i Skien"
    assert art.body_text.startswith("IT-giganten Google har kjøpt en tomt")  # the summary
    assert "subj:13010000" in [s.code for s in art.subjects]


def test_superdesk_ninjs_uses_guid_and_subject_codes() -> None:
    art = article("ninjs/superdesk-ninjs1.json")
    assert art.guid.startswith("urn:newsml:localhost:2017-08-24T14:37:19.783611")
    assert (art.version, art.language, art.byline) == (2, "fr", "Peter and Jane")
    assert art.subjects[0].code == "subj:01000000"
    assert art.subjects[0].name == "arts, culture and entertainment"
    assert art.body_text == "The story so far."
    assert art.published_at == datetime(2017, 8, 24, 4, 38, 34, tzinfo=UTC)


def test_ninjs_1x_dateline_byline_and_associated_picture() -> None:
    art = article("ninjs/iptc-1.4-ninjsExComplex1.json")
    assert art.dateline == "GROSSETO"
    assert art.byline == "Paulo Santalucia and Frances d'Emilio"
    assert art.images[0].url
    assert art.images[0].url.endswith("-big.jpg")
    assert art.images[0].caption
    assert "Costa Concordia" in art.images[0].caption


def test_ninjs_list_envelope_yields_its_items() -> None:
    art = article("ninjs/superdesk-bbc-ninjs-composite-list.json")
    assert art.guid == "https://example.com/56789"
    assert art.images[0].url == "https://www.superdesk.org/public/img/logo-footer.png"
    assert {s.code for s in art.subjects} >= {"category:leisure", "location:risca"}


def test_ninjs_kill_needs_no_headline() -> None:
    art = article("ninjs/iptc-1.0-pubstatus_canceled.json")
    assert (art.guid, art.pubstatus, art.headline) == ("023_pubstatus_canceled", "canceled", "")


def test_ninjs_picture_item_carries_itself_as_image() -> None:
    art = article("ninjs/iptc-3.0-ap_image.json")
    assert art.version == 0
    assert art.images
    assert art.images[0].caption == art.body_text
    assert art.dateline is None  # "FILE - In this ..." is a label, not a place


# --- NewsML-G2 -------------------------------------------------------------------------------


def test_g2_news_item_fields() -> None:
    art = article("newsml-g2/iptc-LISTING_1_News_Item.xml")
    assert art.guid == "urn:newsml:acmenews.com:20161018:US-FINANCE-FED"
    assert (art.version, art.pubstatus, art.language) == (11, "usable", "en")
    assert art.headline == 'Fed to halt QE to avert "bubble"'
    assert art.published_at == datetime(2018, 10, 21, 21, 25, 32, tzinfo=UTC)
    assert [s.code for s in art.subjects] == ["medtop:04000000", "medtop:20000523"]


def test_g2_kill_supersedes_with_an_opaque_version() -> None:
    usable = article("newsml-g2/reuters-L1N14N0FF-v978556838-usable.xml")
    kill = article("newsml-g2/reuters-L1N14N0FF-v1542761538-canceled.xml")
    assert usable.guid == kill.guid == "tag:reuters.com,0000:newsml_L1N14N0FF"
    assert (usable.pubstatus, kill.pubstatus) == ("usable", "canceled")
    assert kill.version > usable.version == 978556838


def test_g2_news_message_yields_one_article_per_item() -> None:
    items = parse("newsml-g2/ap-newsmessage.xml")
    assert [i.article.dateline for i in items if i.article] == [
        "FORT WASHINGTON", "BETHESDA", "KNOXVILLE",
    ]  # fmt: skip
    first = items[0].article
    assert first is not None
    assert first.keywords[:2] == ["Nutrisystem", "Earnings Report"]


def test_g2_dpa_xhtml_body_and_mixed_case_dateline() -> None:
    art = article("newsml-g2/dpa-170629-99-49849-correction-de.xml")
    assert (art.version, art.language, art.dateline) == (3, "de", "Frankfurt/Main")
    assert art.body_text.startswith("Frankfurt/Main (dpa) - Nach der versuchten")
    assert "Notizblock" not in art.body_text
    assert "3. Liga\n" not in art.body_text


def test_g2_non_conformant_item_takes_headline_from_inline_nitf() -> None:
    art = article("newsml-g2/scoop-businessdesk-nonconformant.xml")
    assert art.headline.startswith("Dick Smith receivers install Don Grover")
    assert art.published_at == datetime(2016, 1, 12, 12, 35, 40, tzinfo=UTC)  # naive = UTC


def test_g2_picture_item_alone_is_an_article_with_its_image() -> None:
    art = article("newsml-g2/iptc-LISTING_3_Photo.xml")
    assert art.images[0].url == "./GYI0062134533.jpg"  # the widest rendition
    assert art.images[0].mime_type == "image/jpeg"


# --- NITF ------------------------------------------------------------------------------------


def test_nitf_fields() -> None:
    art = article("nitf/ap-nitf.xml")
    assert art.headline == "Can trading pollution like stocks help fight climate change?"
    assert (art.byline, art.dateline) == ("By BERNARD CONDON", "NEW YORK")
    assert art.published_at == datetime(2015, 12, 10, 19, 10, 44, tzinfo=UTC)
    assert art.guid.startswith("urn:newsdesk:nitf:")  # no doc-id: derived, and stable
    assert article("nitf/ap-nitf.xml").guid == art.guid


def test_nitf_namespaced_and_version_from_du_key() -> None:
    assert article("nitf/ap-media-text-nitf-ns.xml").headline == "BC-BBN--Top Ten"
    art = article("nitf/ntb-nitf-nb-latin1.xml")
    assert (art.version, art.language) == (48, "nb")


def test_nitf_kill_and_embargo() -> None:
    assert article("nitf/nitf-fishing-canceled.xml").pubstatus == "canceled"
    raw = (WIRE / "nitf/pa3-embargoed.xml").read_bytes()
    before = parse_bytes(raw, now=datetime(2016, 9, 8, 20, 0, tzinfo=UTC))[0].article
    after = parse_bytes(raw, now=datetime(2016, 9, 9, 1, 0, tzinfo=UTC))[0].article
    assert before is not None
    assert before.pubstatus == "withheld"
    assert after is not None
    assert after.pubstatus == "usable"


def test_nitf_without_declaration_and_agency_dateline() -> None:
    art = article("nitf/efe-nitf-nodecl.xml")
    assert (art.guid, art.dateline, art.urgency) == ("22751909", "Tegucigalpa", 5)
    assert art.subjects[0].code == "subj:11006005"


def test_nitf_declared_latin1_holding_utf8_is_recovered() -> None:
    assert "København" in article("nitf/ntb-mapping-test-da.xml").body_text


# --- NewsML 1.x ------------------------------------------------------------------------------


def test_newsml1_fields() -> None:
    art = article("newsml-1/afp-newsml12-en.xml")
    assert art.guid == "urn:newsml:afp.com:20140829T135002Z:TX-PAR-FXW86"
    assert (art.version, art.urgency, art.language) == (1, 4, "en")
    assert art.headline == "Sweden court accepts receivership for Saab carmaker"
    assert art.published_at == datetime(2014, 8, 29, 13, 49, 51, tzinfo=UTC)
    assert "subj:04000000" in [s.code for s in art.subjects]
    assert "Saab" in art.keywords


def test_newsml1_mislabelled_charset_and_chinese_release() -> None:
    assert article("newsml-1/afp-newsml-fr-latin1.xml").headline.startswith("Décès de Naomi")
    art = article("newsml-1/businesswire-newsml-20130605006126-zh.xml")
    assert art.language == "zh"
    assert art.headline.startswith("Cambrios")
    assert art.images
    assert art.images[0].url
    assert art.images[0].url.endswith(".jpg")
    assert ".bwalignc" not in art.body_text  # the stylesheet component is not text


# --- ANPA 1312 and IPTC 7901 -----------------------------------------------------------------


def test_anpa_fields() -> None:
    art = article("anpa/anpa-1.tst")
    assert art.headline == "For Argentine chemo patients, mirrors can hurt"
    assert art.byline == "By PAUL BYRNE and ALMUDENA CALATRAVA"
    assert art.dateline == "BUENOS AIRES"
    assert art.published_at == datetime(2013, 11, 13, 15, 9, tzinfo=UTC)
    assert (art.urgency, [s.code for s in art.subjects]) == (1, ["a1312cat:l"])
    assert "\x02" not in art.body_text
    assert "AP Photo" not in art.body_text


def test_anpa_writethru_versions_and_raw_latin1() -> None:
    assert article("anpa/ap_anpa-4.tst").version == 4  # 3rd Ld-Writethru
    assert article("anpa/ap_anpa-3.tst").version == 2
    assert "López" in article("anpa/ap_anpa-6.tst").body_text


def test_iptc7901_fields() -> None:
    art = article("iptc7901/dpa-IPTC7901_odd_charset.txt")
    assert art.headline == "German football saddened by illness to striker legend Mueller"
    assert (art.byline, art.version, art.urgency) == ("By Manuel Schwarz, dpa", 2, 3)
    assert art.dateline == "Munich"
    assert "Müller" in art.body_text  # a raw Latin-1 byte in otherwise ASCII text
    notes = article("iptc7901/dpa_two_line.txt")
    assert notes.published_at == datetime(2018, 11, 21, 21, 1, tzinfo=UTC)
    assert "Notebook" not in notes.body_text
    assert "dpa grj rmo" not in notes.body_text


# --- RSS and Atom ----------------------------------------------------------------------------


def test_rss_items() -> None:
    items = parse("rss/feedparser-rss2sample.xml")
    assert len(items) == 4
    first = items[0].article
    assert first is not None
    assert first.guid == "http://liftoff.msfc.nasa.gov/2003/06/03.html#item573"
    assert first.published_at == datetime(2003, 6, 3, 9, 39, 21, tzinfo=UTC)
    assert (first.headline, first.language) == ("Star City", "en")


def test_rss_charsets() -> None:
    assert article("rss/rssparser-encoding-jn-pt-latin1.rss").headline.startswith("Mãe de utente")
    assert article("rss/feedparser-iconv-windows1251-ru.xml").headline.startswith("В Бузулуке")
    nodecl = article("rss/rssparser-uolNoticias-nodecl.rss")
    assert "simulações" in nodecl.headline
    dailymail = article("rss/feedparser-mediacontent-dupes-dailymail.xml")
    assert dailymail.images[0].byline == "© Bettmann/CORBIS"  # not "Â©"


def test_malformed_and_nested_feeds_are_recovered() -> None:
    assert len(parse("rss/feedparser-saxerror.xml")) == 3
    nested = parse("rss/feedparser-illegally-nested.xml")
    assert len(nested) == 10
    assert all(i.article for i in nested)


def test_atom_entries() -> None:
    items = parse("atom/superdesk-wenn.xml")
    art = items[0].article
    assert art is not None
    assert len(items) == 2
    assert art.guid == "urn:feed-wenn-com:newsfeedarticle:2:2222:1"
    assert art.headline == "Suge Knight involved in fatal hit and run incident"
    assert art.published_at == datetime(2015, 1, 30, 0, 33, 6, tzinfo=UTC)
