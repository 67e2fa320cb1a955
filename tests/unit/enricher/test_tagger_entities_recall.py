"""Entity kinds the dev set lacks: unlisted companies and clubs, one-mention people, CJK
organisations and suffixed places, and the precision traps of titles and team names."""

from __future__ import annotations

import pytest

from services.enricher.taggers.entities import extract_entities


def _tag(text: str, lang: str) -> set[tuple[str, str]]:
    headline = text.partition("\n\n")[0] if "\n\n" in text else ""
    return {(e.type, e.name) for e in extract_entities(text, lang, None, len(headline))}


CASES = [
    (
        "en",
        "The race was won by Lando Norris in Monaco.",
        {("person", "Lando Norris")},
        set(),
    ),
    (
        "en",
        "A faulty update from cybersecurity company CrowdStrike crashed computers. "
        "CrowdStrike chief executive George Kurtz apologised. Israeli startup Wiz rejected an "
        "offer from Google parent Alphabet.",
        {("org", "CrowdStrike"), ("person", "George Kurtz"), ("org", "Wiz"), ("org", "Google"),
         ("org", "Alphabet")},
        set(),
    ),
    (
        "en",
        "Deal agreed\n\nThe deal was signed, CrowdStrike Chief Executive George Kurtz said.",
        {("person", "George Kurtz")},
        {("person", "Executive George Kurtz")},
    ),
    (
        "en",
        "King Charles III to visit Australia\n\nLONDON — King Charles III will visit Australia "
        "in October, the palace said.",
        {("person", "Charles III")},
        {("person", "King Charles III")},
    ),
    (
        "en",
        "Max Verstappen led home a Red Bull one-two. Red Bull team principal Christian Horner "
        "praised the team.",
        {("org", "Red Bull"), ("person", "Christian Horner")},
        {("person", "Red Bull")},
    ),
    (
        "en",
        "Korean Air bought its rival. Low-cost carriers Jin Air, Air Busan and Air Seoul will "
        "merge, Korean Air chairman Cho Won-tae said.",
        {("org", "Korean Air"), ("org", "Jin Air"), ("org", "Air Busan"), ("org", "Air Seoul"),
         ("person", "Cho Won-tae")},
        {("person", "Jin Air")},
    ),
    (
        "en",
        "The Boston Celtics beat the Dallas Mavericks, breaking a tie with the Los Angeles Lakers. "
        "Manchester City beat West Ham United 3-1.",
        {("org", "Boston Celtics"), ("org", "Dallas Mavericks"), ("org", "Los Angeles Lakers"),
         ("org", "Manchester City"), ("org", "West Ham United")},
        {("org", "Angeles Lakers"), ("person", "Ham United")},
    ),
    (
        "en",
        "Kyrie Irving, who won a title in 2016, scored 15. Police arrested Ronnie Dean Stout, 42, "
        "on suspicion of arson. Kent Walker, Google’s president of global affairs, disagreed.",
        {("person", "Kyrie Irving"), ("person", "Ronnie Dean Stout"), ("person", "Kent Walker")},
        {("person", "Stout")},
    ),
    (
        "en",
        "The scandal hit Honda, Mazda, Suzuki and Yamaha Motor. The Ministry of Land, "
        "Infrastructure and Transport ordered checks. Shares of Eli Lilly rose 1%.",
        {("org", "Mazda"), ("org", "Suzuki"), ("org", "Yamaha Motor"),
         ("org", "Ministry of Land, Infrastructure and Transport"), ("org", "Eli Lilly")},
        {("org", "Ministry of Land"), ("person", "Eli Lilly")},
    ),
    (
        "en",
        "A wildfire in Northern California forced thousands to flee. People familiar with the "
        "talks named Austria’s Robert Holzmann as the dissenter.",
        {("place", "Northern California"), ("place", "Austria"), ("person", "Robert Holzmann")},
        {("person", "Northern California"), ("org", "Austria")},
    ),
    (
        "fr",
        "GENÈVE — Le Programme alimentaire mondial (PAM) va réduire ses rations, a annoncé "
        "Pierre Honnorat, directeur du PAM. Le Nouveau Front populaire a obtenu 28 %. Le directeur "
        "financier Jean-Jacques Guiony a parlé.",
        {("org", "Programme alimentaire mondial"), ("org", "Nouveau Front populaire"),
         ("person", "Jean-Jacques Guiony")},
        {("org", "PAM"), ("org", "Nouveau Front")},
    ),
    (
        "es",
        "Claudia Sheinbaum, candidata del partido Morena, ganó las elecciones.",
        {("org", "Morena"), ("person", "Claudia Sheinbaum")},
        {("place", "Morena")},
    ),
    (
        "de",
        "Der Flughafenverband ADV warnte vor Schäden für den Standort Deutschland.",
        {("org", "ADV")},
        set(),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "expected", "absent"), CASES)
def test_entities(
    lang: str, text: str, expected: set[tuple[str, str]], absent: set[tuple[str, str]]
) -> None:
    found = _tag(text, lang)
    assert expected <= found, expected - found
    assert not absent & found, absent & found
