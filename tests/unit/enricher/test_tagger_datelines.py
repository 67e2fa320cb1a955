"""Datelines in the conventions of English, German, Japanese, Chinese and Korean wires."""

from __future__ import annotations

import pytest

from services.enricher.taggers.datelines import find_dateline


@pytest.mark.parametrize(
    ("body", "place", "agency"),
    [
        ("SAN FRANCISCO — Shares of chipmakers rose on Monday after", "SAN FRANCISCO", None),
        ("TAIPEI, Taiwan (AP) — A strong earthquake shook the island", "TAIPEI", "AP"),
        ("WASHINGTON, D.C. — The Senate passed the bill late on Friday", "WASHINGTON", None),
        ("BERLIN (dpa) - Die Bundesregierung hat am Mittwoch beschlossen", "BERLIN", "dpa"),
        ("Frankfurt/Main (dpa) - Der Dax legte am Vormittag zu", "Frankfurt/Main", "dpa"),
        ("MOSCOW, Monday (Reuters) - Russia said on Monday", "MOSCOW", "Reuters"),
        ("CITTÀ DEL VATICANO — Papa Francesco ha ricevuto in udienza", "CITTÀ DEL VATICANO", None),
        ("NEW YORK (AP) _ Stocks closed higher on Wall Street", "NEW YORK", "AP"),
        ("【金沢】石川県によると、2日午前までに", "金沢", None),
        ("【ワシントン＝共同】米政府は20日、", "ワシントン", "共同"),
        ("本报北京6月25日电　记者从国家航天局获悉", "北京", None),
        ("新华社上海3月1日电（记者王某）上海市政府", "上海", "新华社"),
        ("(서울=연합뉴스) 김철수 기자 = 정부는 28일", "서울", "연합뉴스"),
        ("부산 — 부산시는 28일 해운대에서", "부산", None),
    ],
)
def test_dateline_found(body: str, place: str, agency: str | None) -> None:
    found = find_dateline(body)
    assert found is not None
    assert (found.place, found.agency) == (place, agency)
    assert body[found.start : found.start + len(place)] == place


@pytest.mark.parametrize(
    "body",
    [
        "EDITORS: PLEASE KILL THE STORY HEADLINED “Markets rally”.",
        "Claudine Gay resigned as president of Harvard University on Tuesday.",
        "The president said — in effect — that nothing would change.",
        "U.S. stocks rose - sharply - after the report.",
        "FILE - In this photo taken last year, workers walk past the plant.",
        "",
    ],
)
def test_no_dateline(body: str) -> None:
    assert find_dateline(body) is None


def test_story_starts_after_the_dash() -> None:
    body = "KYIV, Ukraine — Ukrainian troops pressed on."
    found = find_dateline(body)
    assert found is not None
    assert body[found.end :] == "Ukrainian troops pressed on."
