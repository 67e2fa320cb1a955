"""The small rules parsers share: time lines, datelines, charsets, format detection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ingest.parsers.charset import decode
from services.ingest.parsers.datelines import extract, from_wire_field
from services.ingest.parsers.detect import from_content_type, sniff
from services.ingest.parsers.timestamps import parse_time_line, parse_wire
from shared.errors import UnsupportedFormatError

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("16:05 JST, November 17, 2023", utc(2023, 11, 17, 7, 5)),
        ("Updated 6:12 p.m. PST, December 9, 2023", utc(2023, 12, 10, 2, 12)),
        ("Updated 3:27 p.m. EST, January 2, 2024", utc(2024, 1, 2, 20, 27)),
        ("Updated 11:20 CEST, August 8, 2024", utc(2024, 8, 8, 9, 20)),
        ("Updated 10:55 a.m. CDT, October 13, 2024", utc(2024, 10, 13, 15, 55)),
        ("14:45 BST, June 6, 2024", utc(2024, 6, 6, 13, 45)),
        ("2024/01/02 10:15 JST", utc(2024, 1, 2, 1, 15)),
        ("2024.02.28 14:05 KST", utc(2024, 2, 28, 5, 5)),
        ("30/10/2024 - 09:45 CET", utc(2024, 10, 30, 8, 45)),
        ("입력 2024.10.10 21:05 KST", utc(2024, 10, 10, 12, 5)),
        ("Dec. 3, 2024, 11:20 p.m. KST", utc(2024, 12, 3, 14, 20)),
        ("17 November 2023, 16:05 CET", utc(2023, 11, 17, 15, 5)),
        ("Mis à jour le 17 novembre 2023 à 16h05 CET", utc(2023, 11, 17, 15, 5)),
        ("17.11.2023, 16:05 MESZ", utc(2023, 11, 17, 14, 5)),
        ("30 de octubre de 2024, 09:45 CET", utc(2024, 10, 30, 8, 45)),
        ("2023年11月17日 16時05分 JST", utc(2023, 11, 17, 7, 5)),
        ("2023년 11월 17일 오후 4:05 KST", utc(2023, 11, 17, 7, 5)),
        ("November 17, 2023 at 4:05 p.m. ET", utc(2023, 11, 17, 21, 5)),
        ("July 4, 2024 at 4:05 p.m. ET", utc(2024, 7, 4, 20, 5)),
        ("16:05 GMT+9, November 17, 2023", utc(2023, 11, 17, 7, 5)),
        ("Nov. 17, 2023 | 16:05 KST", utc(2023, 11, 17, 7, 5)),
        (
            "Published 10:00 JST, Nov 17, 2023 | Updated 16:05 JST, Nov 17, 2023",
            utc(2023, 11, 17, 7, 5),
        ),
        ("Posted: Fri 17 Nov 2023 07:05 GMT", utc(2023, 11, 17, 7, 5)),
        ("Nov 17, 16:05 JST", utc(2024, 11, 17, 7, 5)),  # no year: the last one not ahead
        ("no date at all 12:00", None),
    ],
)
def test_time_lines(line: str, expected: datetime | None) -> None:
    assert parse_time_line(line, now=NOW) == expected


def test_time_line_local_zone_for_cjk_pages() -> None:
    assert parse_time_line("2024年2月5日 18時30分", local="ja") == utc(2024, 2, 5, 9, 30)
    assert parse_time_line("2024-06-25 14:30 CST", local="zh") == utc(2024, 6, 25, 6, 30)
    assert parse_time_line("2024-06-25 14:30 CST") == utc(2024, 6, 25, 20, 30)  # US Central


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20240821T153000+0900", utc(2024, 8, 21, 6, 30)),
        ("2022-06-26T23:54:25+0000", utc(2022, 6, 26, 23, 54, 25)),
        ("2016-04-13 04:52:21+00:00", utc(2016, 4, 13, 4, 52, 21)),
        ("2019-04-15T13:49:15", utc(2019, 4, 15, 13, 49, 15)),  # naive: UTC
        ("Sun, 14 Jul 2024 16:40:00 GMT", utc(2024, 7, 14, 16, 40)),
        ("Tue, 03 Dec 2024 23:02:00 +0900", utc(2024, 12, 3, 14, 2)),
        ("Seg, 24 Set 2018 19:42:40 -0300", utc(2018, 9, 24, 22, 42, 40)),
        ("0001-01-01T00:00:00+05:00", None),  # out of range in UTC
        ("", None),
        ("garbage", None),
    ],
)
def test_wire_times(value: str, expected: datetime | None) -> None:
    assert parse_wire(value) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("SAN FRANCISCO — Prime Minister Fumio Kishida met", "SAN FRANCISCO"),
        ("TAIPEI, Taiwan (AP) — A magnitude 7.4 earthquake", "TAIPEI"),
        ("WEST PALM BEACH, Fla. — Donald Trump won", "WEST PALM BEACH"),
        ("BERLIN (dpa) - Der Streik", "BERLIN"),
        ("Frankfurt/Main (dpa) - Nach der versuchten", "Frankfurt/Main"),
        ("CITTÀ DEL VATICANO — Papa Francesco", "CITTÀ DEL VATICANO"),
        ("FORT WASHINGTON, Pa. (AP) _ Nutrisystem Inc.", "FORT WASHINGTON"),
        ("GROSSETO, Italy (AP) -- The trial", "GROSSETO"),
        ("STOCKHOLM, Aug 29, 2014 (AFP) - A company", "STOCKHOLM"),
        ("SYDNEY March 22 AAP - Shares rose", "SYDNEY"),
        ("Tegucigalpa, Jan 2 (EFE).- Test body.", "Tegucigalpa"),
        ("(ANSA) - ROMA, 1 LUG - TEST", "ROMA"),
        ("【金沢】1日午後4時10分ごろ", "金沢"),
        ("【ワシントン＝共同】米政府は", "ワシントン"),
        ("【北京共同】中国外務省は", "北京"),
        ("本报北京6月25日电　6月25日14时7分", "北京"),
        ("新华社北京6月25日电（记者 张三）", "北京"),
        ("(서울=연합뉴스) 홍길동 기자 = 본문", "서울"),
        ("세종 — 지난해 우리나라", "세종"),
        ("By Jane Doe\nLONDON — The Bank", "LONDON"),
        ("EDITORS: PLEASE KILL THE STORY HEADLINED", None),
        ("FILE - In this Monday photo", None),
        ("BREAKING — Something happened", None),
        ("Jan. 12 (BusinessDesk) - The receivers", None),
        ("Claudine Gay resigned as president of Harvard University on Tuesday", None),
        ("The company - which makes cars - said", None),
        ("【速報】地震", None),
        ("", None),
    ],
)
def test_datelines(body: str, expected: str | None) -> None:
    assert extract(body) == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("MOSCOW, Monday (Reuters)", "MOSCOW"),
        ("KYIV, Ukraine", "KYIV"),
        ("Helsinki", "Helsinki"),
        ("Frankfurt/Main (dpa) - ", "Frankfurt/Main"),
        ("SYDNEY March 22 AAP -", "SYDNEY"),
        ("ANSA TEST - ROMA, 01 LUG -", "ROMA"),
        ("2014-07-17 00:24:11 GMT+00:00", None),
        ("4/4/2018", None),
        (None, None),
    ],
)
def test_wire_dateline_fields(field: str | None, expected: str | None) -> None:
    assert from_wire_field(field) == expected


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("Décès".encode(), "iso-8859-1", "Décès"),  # says Latin-1, holds UTF-8
        ("Décès".encode("latin-1"), "iso-8859-1", "Décès"),
        (b"M\xfcller said caf\xc3\xa9", None, "Müller said café"),  # stray Latin-1 in UTF-8
        ("Привет мир".encode("cp1251"), "windows-1251", "Привет мир"),
        ("\ufeffhello".encode(), None, "hello"),
        (b"plain", "no-such-charset", "plain"),
    ],
)
def test_charset_recovery(data: bytes, declared: str | None, expected: str) -> None:
    assert decode(data, declared).lstrip("\ufeff") == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/ninjs+json", "ninjs"),
        ("application/nitf+xml; charset=utf-8", "nitf"),
        ("application/vnd.iptc.g2.newsmessage+xml", "newsml-g2"),
        ("application/rss+xml", "rss"),
        ("application/atom+xml", "atom"),
        ("text/html; charset=utf-8", "html"),
        ("application/json", None),
        ("text/plain", None),
        ("application/xml", None),
    ],
)
def test_content_types(content_type: str, expected: str | None) -> None:
    assert from_content_type(content_type) == expected


def test_unknown_content_type_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormatError):
        from_content_type("image/png")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x16\x16\x01W2870\x1fasian\nf l\x13\x11 BC-X", "anpa"),
        (b"\x01eca062 4 i 211 ccccb   dpa 061\r\n", "iptc7901"),
        (b'{"uri": "u", "headlines": []}', "ninjs"),
        (b'{"guid": "g", "headline": "h", "body_text": "b"}', "json"),
        (b'{"total": 1, "item": [{"uri": "u", "type": "story"}]}', "ninjs"),
        (b'<?xml version="1.0"?>\n<!-- c --><nitf><head/></nitf>', "nitf"),
        (b'<ns0:newsMessage xmlns:ns0="http://iptc.org/std/nar/2006-10-01/"/>', "newsml-g2"),
        (b"\n<NewsML Version='1.2'/>", "newsml-1"),
        (b"<rss version='2.0'/>", "rss"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "atom"),
        (b"<!DOCTYPE html><html><body/></html>", "html"),
        (b"Headline\n16:05 JST, November 17, 2023\nBody", "text"),
    ],
)
def test_sniffing(data: bytes, expected: str) -> None:
    assert sniff(data) == expected


def test_unknown_xml_root_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormatError, match="root element <catalog>"):
        sniff(b"<catalog><book/></catalog>")
