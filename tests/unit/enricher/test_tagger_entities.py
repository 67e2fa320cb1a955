"""Entities from real-style sentences: gazetteers, naming rules and canonical names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.enricher.taggers.datelines import find_dateline
from services.enricher.taggers.entities import extract_entities


def _tag(text: str, lang: str) -> set[tuple[str, str]]:
    headline, _, body = text.partition("\n\n")
    found = find_dateline(body)
    shift = len(headline) + 2
    dateline = replace(found, start=found.start + shift, end=found.end + shift) if found else None
    return {(e.type, e.name) for e in extract_entities(text, lang, dateline, len(headline))}


CASES = [
    (
        "en",
        "Fed holds rates steady\n\nWASHINGTON — The Federal Reserve left interest rates unchanged "
        "on Wednesday, and Chair Jerome Powell said the U.S. economy remained strong. Treasury "
        "Secretary Janet Yellen welcomed the decision.",
        {
            ("org", "Federal Reserve"),
            ("person", "Jerome Powell"),
            ("person", "Janet Yellen"),
            ("place", "Washington"),
            ("place", "United States"),
        },
        {("place", "Chair"), ("org", "Fed")},
    ),
    (
        "en",
        "Storm hits coast\n\nMIAMI — Hurricane Milton made landfall on Wednesday night, the "
        "National Hurricane Center said. Florida Governor Ron DeSantis urged residents to stay "
        "indoors. More than 2 million homes lost power, according to Duke Energy.",
        {
            ("place", "Miami"),
            ("place", "Florida"),
            ("org", "National Hurricane Center"),
            ("org", "Duke Energy"),
            ("person", "Ron DeSantis"),
        },
        set(),
    ),
    (
        "en",
        "Talks in Brussels\n\nBRUSSELS — European Commission President Ursula von der Leyen met "
        "Hungarian Prime Minister Viktor Orban on Thursday. Orban told reporters that Hungary "
        "would not back down.",
        {
            ("org", "European Commission"),
            ("person", "Ursula von der Leyen"),
            ("person", "Viktor Orban"),
            ("place", "Hungary"),
            ("place", "Brussels"),
        },
        {("person", "Orban"), ("place", "Hungarian")},
    ),
    (
        "en",
        "Union vote\n\nSEATTLE — Machinists voted on Monday to end the strike, the International "
        "Association of Machinists and Aerospace Workers said. The union's district president, "
        "Jon Holden, said members had approved the contract.",
        {
            ("org", "International Association of Machinists and Aerospace Workers"),
            ("person", "Jon Holden"),
            ("place", "Seattle"),
        },
        set(),
    ),
    (
        "en",
        "Quake in Morocco\n\nMARRAKECH, Morocco — A strong earthquake struck on Friday night, "
        "Morocco's Interior Ministry said. King Mohammed VI declared three days of mourning. "
        "Rescuers searched the village of Amizmiz for survivors.",
        {
            ("place", "Marrakech"),
            ("place", "Morocco"),
            ("org", "Interior Ministry"),
            ("person", "Mohammed VI"),
            ("place", "Amizmiz"),
        },
        {("person", "King Mohammed VI")},
    ),
    (
        "en",
        "Chipmaker results\n\nThe Bank of Korea (BOK) held rates, while the Korea Development "
        "Institute (KDI) cut its forecast. The KDI said exports from Busan and Incheon slowed.",
        {
            ("org", "Bank of Korea"),
            ("org", "Korea Development Institute"),
            ("place", "Busan"),
            ("place", "Incheon"),
        },
        {("org", "KDI"), ("org", "BOK"), ("place", "Korea")},
    ),
    (
        "fr",
        "Grève\n\nPARIS — Le ministre des Transports, Clément Beaune, a dénoncé un mouvement "
        "« injustifié ». Le trafic sera perturbé à Lyon et Marseille.",
        {
            ("place", "Paris"),
            ("person", "Clément Beaune"),
            ("place", "Lyon"),
            ("place", "Marseille"),
        },
        set(),
    ),
    (
        "de",
        "Scholz in Peking\n\nPEKING — Bundeskanzler Olaf Scholz ist am Sonntag in China "
        "eingetroffen. In Chongqing besuchte er ein Werk. Die Europäische Union sieht China "
        "als Wettbewerber.",
        {
            ("person", "Olaf Scholz"),
            ("place", "Peking"),
            ("place", "China"),
            ("place", "Chongqing"),
            ("org", "Europäische Union"),
        },
        set(),
    ),
    (
        "es",
        "Viaje\n\nMADRID — El presidente del Gobierno, Pedro Sánchez, viajó este jueves a "
        "Bruselas. El líder del Partido Popular, Alberto Núñez Feijóo, criticó el viaje "
        "desde Sevilla.",
        {
            ("person", "Pedro Sánchez"),
            ("person", "Alberto Núñez Feijóo"),
            ("org", "Partido Popular"),
            ("place", "Madrid"),
            ("place", "Bruselas"),
            ("place", "Sevilla"),
        },
        set(),
    ),
    (
        "it",
        "Incontro\n\nROMA — La presidente del Consiglio Giorgia Meloni ha ricevuto il presidente "
        "ucraino Volodymyr Zelensky. Il ministro degli Esteri Antonio Tajani ha partecipato.",
        {
            ("person", "Giorgia Meloni"),
            ("person", "Volodymyr Zelensky"),
            ("person", "Antonio Tajani"),
            ("place", "Roma"),
        },
        {("org", "Consiglio Giorgia Meloni"), ("person", "Meloni")},
    ),
    (
        "pt",
        "Reforma\n\nBRASÍLIA — O presidente Luiz Inácio Lula da Silva sancionou a reforma aprovada "
        "pelo Congresso Nacional. O ministro da Fazenda, Fernando Haddad, afirmou que a medida "
        "vai simplificar o sistema.",
        {
            ("person", "Luiz Inácio Lula da Silva"),
            ("person", "Fernando Haddad"),
            ("org", "Congresso Nacional"),
            ("place", "Brasília"),
        },
        {("person", "Lula")},
    ),
    (
        "en",
        "Gallant fired\n\nJERUSALEM (AP) — Prime Minister Benjamin Netanyahu fired "
        "Defense Minister Yoav Gallant, prompting protests in Tel Aviv. Opposition leader "
        "Yair Lapid called it madness. Shares of the Santa Clara, California-based chipmaker fell.",
        {
            ("person", "Benjamin Netanyahu"),
            ("person", "Yoav Gallant"),
            ("person", "Yair Lapid"),
            ("place", "Jerusalem"),
            ("place", "Tel Aviv"),
            ("place", "Santa Clara"),
        },
        {("place", "California-based"), ("place", "California")},
    ),
    (
        "ja",
        "大阪で万博開幕\n\n【大阪】万博が13日、大阪市此花区で開幕した。石破茂首相は開会式で"
        "「日本の魅力を発信したい」と述べた。大阪府の吉村洋文知事も出席した。",
        {
            ("place", "大阪市"),
            ("place", "此花区"),
            ("place", "大阪府"),
            ("person", "石破茂"),
            ("person", "吉村洋文"),
        },
        {("place", "大阪")},
    ),
    (
        "zh",
        "李强出席论坛\n\n新华社北京3月24日电　国务院总理李强24日在北京出席论坛开幕式。"
        "商务部有关负责人表示，将进一步扩大开放。",
        {("person", "李强"), ("place", "北京"), ("org", "国务院"), ("org", "商务部")},
        set(),
    ),
    (
        "ko",
        "윤 대통령, 체코 방문\n\n서울 — 윤석열 대통령이 19일 체코 프라하에 도착했다. "
        "한덕수 국무총리는 이날 기자들과 만났다.",
        {
            ("person", "윤석열"),
            ("person", "한덕수"),
            ("place", "서울"),
            ("place", "체코"),
            ("place", "프라하"),
        },
        set(),
    ),
]


@pytest.mark.parametrize(("lang", "text", "expected", "absent"), CASES)
def test_entities(
    lang: str, text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = _tag(text, lang)
    assert expected <= found, sorted(expected - found)
    assert not (absent & found), sorted(absent & found)


def test_spans_point_into_the_text() -> None:
    text = "Headline\n\nPrime Minister Keir Starmer met King Charles III in London on Tuesday."
    for entity in extract_entities(text, "en", None, len("Headline")):
        assert text[entity.start : entity.end] == entity.text


def test_canonical_english_places() -> None:
    text = "Quake\n\nThe quake hit Hualien County in Taiwan, and was felt in Britain and the U.K."
    found = _tag(text, "en")
    assert {("place", "Hualien"), ("place", "Taiwan"), ("place", "United Kingdom")} <= found
    assert ("place", "Hualien County") not in found


def test_place_inside_an_organisation_is_not_a_place() -> None:
    found = _tag("Rates\n\nThe Bank of Japan raised rates on Tuesday.", "en")
    assert ("org", "Bank of Japan") in found
    assert ("place", "Japan") not in found


def test_demonyms_and_weekdays_are_not_entities() -> None:
    found = _tag("News\n\nJapanese and South Korean officials met on Monday in Seoul.", "en")
    assert found == {("place", "Seoul")}


def test_bare_acronym_kept_when_never_spelled_out() -> None:
    found = _tag("Alliance\n\nNATO allies met in Vilnius as the FBI warned of threats.", "en")
    assert {("org", "NATO"), ("org", "FBI"), ("place", "Vilnius")} <= found


def test_japanese_keeps_the_fullest_form_written() -> None:
    found = _tag("見出し\n\n輪島で火災。輪島市の中心部では、同県志賀町でも被害が出た。", "ja")
    assert {("place", "輪島市"), ("place", "志賀町")} <= found
    assert ("place", "輪島") not in found


def test_listed_companies_are_organisations_by_their_short_name() -> None:
    text = (
        "Carmakers\n\nStellantis cut prices in Europe, and Inditex said sales rose, while "
        "analysts at Biogen's rival Eisai were cautious."
    )
    found = _tag(text, "en")
    assert {("org", "Stellantis"), ("org", "Inditex"), ("org", "Biogen"), ("org", "Eisai")} <= found


def test_a_surname_shared_with_a_company_stays_a_person() -> None:
    found = _tag("Trial\n\nRick Gates testified on Tuesday, and Target stores stayed open.", "en")
    assert ("person", "Rick Gates") in found
    assert not {e for e in found if e[0] == "org"}
